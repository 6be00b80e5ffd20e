"""Routes of the ledger: a call's disbursements (page, CSV and XLSX for finance) and the program's ledger of every
call."""
from flask import Response, render_template, request
from flask_login import current_user

from ..extensions import db
from ..models import Call, TrancheStatus
from ..permissions import can_manage_disbursements, get_or_404, require
from . import bp, ledger


@bp.get("/disbursements/calls/<int:call_id>/ledger", endpoint="ledger")
@require(can_manage_disbursements)
def call_ledger(call_id):
    call = get_or_404(Call, call_id)
    filters = ledger.LedgerFilters.from_args(request.args)
    return render_template("disbursements/ledger.html", call=call, summary=ledger.call_summary(call),
                           filters=filters, page=ledger.grants_page(call.id, filters),
                           payment_filters=ledger.PAYMENT_FILTERS, statuses=list(TrancheStatus))


@bp.get("/disbursements/calls/<int:call_id>/ledger.<any(csv, xlsx):fmt>", endpoint="ledger_export")
@require(can_manage_disbursements)
def ledger_export(call_id, fmt):
    call = get_or_404(Call, call_id)
    data, rows = ledger.export(call, fmt)
    ledger.record_export(current_user, call, fmt, rows)
    db.session.commit()
    return Response(data, mimetype=ledger.FORMATS[fmt], headers={
        "Content-Disposition": f'attachment; filename="{ledger.export_filename(call, fmt)}"',
        "Cache-Control": "no-store",
    })


@bp.get("/disbursements/ledger", endpoint="program_ledger")
@require(can_manage_disbursements)
def program_ledger():
    rows = list(ledger.summaries().values())
    return render_template("disbursements/program_ledger.html", rows=rows, totals=ledger.totals_by_currency(rows),
                           statuses=list(TrancheStatus))
