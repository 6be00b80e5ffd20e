"""All models, imported here so Alembic and the app see one complete metadata."""
from .accounts import LoginAttempt, Role, User, UserRole
from .applications import (
    Application, ApplicationStatus, ApplicationTag, BudgetLine, Comment, Disability, Document, DuplicateFlag,
    DuplicateKind, Education, FlagStatus, Gender, ScreeningStatus,
)
from .audit import AuditEntry
from .calls import (
    BusinessStage, Call, CallStatus, Criterion, Currency, Place, PlaceKind, RequiredDocument, Sector, call_places,
    call_sectors, localized,
)
from .decisions import Decision, DecisionTemplate, FitPolicy, Group, GroupMessage, Outcome, Response, SetAside
from .disbursements import Grant, Letter, LetterCounter, PaymentMethod, Tranche, TrancheStatus
from .monitoring import BusinessStatus, MonitoringFile, ProgressReport, ReportStatus, RevenueBand, SiteVisit
from .mail import MessageStatus, OutboxMessage
from .rankings import RankingEntry, RankingSnapshot
from .reviews import (
    Conflict, ConflictKind, Recommendation, Review, ReviewerProfile, ReviewRevision, ReviewStatus, Score,
    reviewer_sectors,
)
from .training import (
    Attendance, Audience, Certificate, Course, CourseCall, CourseSession, Enrolment, EnrolmentStatus, Topic,
)
from .types import utcnow

__all__ = [
    "Application", "ApplicationStatus", "ApplicationTag", "AuditEntry", "BudgetLine", "BusinessStage", "Call",
    "CallStatus", "Comment", "Criterion", "Currency", "Disability", "Document", "DuplicateFlag", "DuplicateKind",
    "Education", "FlagStatus", "Gender", "LoginAttempt", "MessageStatus", "OutboxMessage", "Place", "PlaceKind",
    "RequiredDocument", "Role", "ScreeningStatus", "Sector", "User", "UserRole", "call_places", "call_sectors",
    "localized", "utcnow",
    "Conflict", "ConflictKind", "Recommendation", "Review", "ReviewerProfile", "ReviewRevision", "ReviewStatus",
    "Score", "reviewer_sectors",
    "Decision", "DecisionTemplate", "FitPolicy", "Group", "GroupMessage", "Outcome", "Response", "SetAside",
    "Attendance", "Audience", "Certificate", "Course", "CourseCall", "CourseSession", "Enrolment", "EnrolmentStatus",
    "Topic",
    "Grant", "Letter", "LetterCounter", "PaymentMethod", "Tranche", "TrancheStatus",
    "BusinessStatus", "MonitoringFile", "ProgressReport", "ReportStatus", "RevenueBand", "SiteVisit",
    "RankingEntry", "RankingSnapshot",
]
