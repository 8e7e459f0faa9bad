"""Domain errors raised by services; the API and pages translate them into 4xx answers."""


class DomainError(Exception):
    """A request the domain refuses: bad value, impossible move. Maps to 400."""

    status_code = 400
    code = "invalid"

    def __init__(self, message: str, *, field: str | None = None, code: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
        if code:
            self.code = code

    def as_dict(self) -> dict:
        body = {"detail": self.message, "code": self.code}
        if self.field:
            body["field"] = self.field
        return body


class Conflict(DomainError):
    """The object's current state does not allow this (an illegal transition). Maps to 409."""

    status_code = 409
    code = "conflict"


class InvalidTransition(Conflict):
    code = "invalid_transition"

    def __init__(self, *, model: str, current: str, target: str, allowed: list[str]):
        allowed_text = ", ".join(allowed) if allowed else "none"
        super().__init__(
            f"A {model} cannot move from {current} to {target}; allowed from {current}: "
            f"{allowed_text}.",
            field="state",
        )
        self.current = current
        self.target = target
        self.allowed = allowed
