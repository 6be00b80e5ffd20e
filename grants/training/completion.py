"""Whether an enrolment is complete: attended at least the course's percentage of its sessions (pure)."""
import enum
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l


class Progress(enum.StrEnum):
    WAITING = "waiting"          # on the waiting list, or no session held yet
    IN_PROGRESS = "in_progress"  # can still reach the rule
    COMPLETED = "completed"
    NOT_COMPLETED = "not_completed"  # can no longer reach the rule: too many sessions missed

    @property
    def title(self):
        return {Progress.WAITING: _l("Not started"), Progress.IN_PROGRESS: _l("In progress"),
                Progress.COMPLETED: _l("Completed"), Progress.NOT_COMPLETED: _l("Not completed")}[self]


def sessions_needed(total_sessions: int, percent: int) -> int:
    """The fewest sessions that make `percent` of `total_sessions` (integer arithmetic: no rounding surprises)."""
    return -(-total_sessions * percent // 100)


def is_complete(attended: int, total_sessions: int, percent: int) -> bool:
    return total_sessions > 0 and attended * 100 >= percent * total_sessions


@dataclass(frozen=True)
class CourseProgress:
    attended: int
    held: int      # sessions whose attendance has been taken
    total: int     # sessions of the course
    percent: int   # the course's completion rule

    @property
    def needed(self) -> int:
        return sessions_needed(self.total, self.percent)

    @property
    def status(self) -> Progress:
        if is_complete(self.attended, self.total, self.percent):
            return Progress.COMPLETED
        if self.attended + (self.total - self.held) < self.needed:
            return Progress.NOT_COMPLETED
        return Progress.IN_PROGRESS if self.held else Progress.WAITING
