"""One exception root for cfl, split by who must act.

Every error carries a stable ``code`` (for scripts and tests) and a human ``message``.
Input errors also say *where*: the file and the place in it (JSON path, line and column,
CSV row). The CLI turns any ``CflError`` into a one-line message and a non-zero exit.
"""

from __future__ import annotations


class CflError(Exception):
    """Root of every error cfl raises on purpose."""

    code: str = "cfl_error"

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code

    def __str__(self) -> str:
        return self.message


class InputError(CflError):
    """The user (or a third party) handed us something malformed.

    ``source`` names the file (or ``<stdin>``, ``<text>``); ``location`` the place in it:
    a JSON path such as ``$.pcf.declaredUnitAmount``, ``line 3, column 7``, or ``row 12``.
    """

    code = "bad_input"

    def __init__(
        self,
        message: str,
        *,
        source: str | None = None,
        location: str | None = None,
        code: str | None = None,
    ) -> None:
        super().__init__(message, code=code)
        self.source = source
        self.location = location

    def __str__(self) -> str:
        where = ": ".join(part for part in (self.source, self.location) if part)
        return f"{where}: {self.message}" if where else self.message

    def at(self, source: str) -> InputError:
        """The same error, naming ``source`` if it did not name a file yet."""
        if self.source is None:
            self.source = source
        return self


class InvalidDeclarationError(InputError):
    """A declaration failed schema or semantic checks; ``findings`` holds every problem."""

    code = "invalid_declaration"

    def __init__(self, message: str, findings: list[object], *, source: str | None = None):
        super().__init__(message, source=source)
        self.findings = findings


class KeyFileError(CflError):
    """A key could not be read, decrypted or written (the message never holds key material)."""

    code = "key_error"


class VerificationError(CflError):
    """Raised by the raising ``verify()`` entry points when the bottom line is not PASSED."""

    code = "verification_failed"


class UntrustedError(VerificationError):
    code = "untrusted"


class ExpiredError(VerificationError):
    code = "expired"


class TamperedError(VerificationError):
    code = "tampered"


class RevokedError(VerificationError):
    code = "revoked"


class OutputError(CflError):
    """An output could not be written."""

    code = "output_error"
