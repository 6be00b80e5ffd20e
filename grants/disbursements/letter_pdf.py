"""The disbursement letter PDF (being written)."""


def render_letter(letter) -> bytes:
    return f"letter {letter.number}".encode()
