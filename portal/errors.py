class ApplicationError(Exception):
    """A business rule refused an action. The message is French and meant for the user who tried it."""

    def __init__(self, message: str, *, code: str = "refused", field: str | None = None):
        super().__init__(message)
        self.message = message
        self.code = code
        self.field = field
