"""Electronic signatures in the GUI (issue 6; CRF_SPEC.md REQ-ES-01…05; 21 CFR 11.50, 11.200).

`SignatureDialog` shows what is signed and its meaning ("I confirm eligibility"), the signer's
printed name, asks for the user name (first signature of the session only), the password and —
before the signer's very first signature — the explicit acceptance of the legal statement
(`signatures.ACKNOWLEDGEMENT`). A refused signature (wrong password, …) shows the service's
message and the dialog stays open; nothing is signed. The password goes to the service call
only and the field is cleared after every attempt.

`SignatureStrip` is the manifestation in the form view: for each signature point of the form,
who signed (printed name, role), when (local time and UTC) and the meaning; a broken signature
reads "Signature broken — re-signature required" in red. The investigator gets "Sign…" (or
"Re-sign…") when the form is complete or verified.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QFrame,
    QGridLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from tnt_desktop.errors import TntError
from tnt_desktop.gui.context import GuiContext
from tnt_desktop.gui.errors import error_text
from tnt_desktop.gui.form.query_panel import role_text, utc_text
from tnt_desktop.gui.styles import set_text_colour
from tnt_desktop.services import signatures
from tnt_desktop.services.permissions import Permission, allowed
from tnt_desktop.services.signatures import SignatureState, SignatureView
from tnt_desktop.study.model import Form, SignaturePoint

BROKEN_COLOUR = "#b3261e"
SIGNED_COLOUR = "#1e7b34"


def shown_points(form: Form, views: list[SignatureView]) -> list[SignaturePoint]:
    """The signature points of this release (IESIG, EOSSIG) and any point already signed."""
    signed = {v.point for v in views}
    return [p for p in form.signatures if p.first_release or p.name in signed]


def manifestation(view: SignatureView, lang: str) -> str:
    """"Signed by Dr Lin (investigator) on 2026-01-02 16:04 (UTC 08:04): I confirm eligibility"."""
    return QCoreApplication.translate(
        "SignatureStrip", "Signed by {name} ({role}) on {when}: {meaning}").format(
        name=view.printed_name, role=role_text(view.role, lang), when=utc_text(view.ts_utc),
        meaning=view.meaning.get(lang))  # fmt: skip


class SignatureDialog(QDialog):
    """Sign one signature point (see the module docstring); `signed` holds the result."""

    def __init__(self, context: GuiContext, subject_key: str, event: str, repeat: int,
                 form: Form, point: SignaturePoint,
                 parent: QWidget | None = None) -> None:  # fmt: skip
        super().__init__(parent)
        self.setObjectName("signatureDialog")
        self.context = context
        self.app = context.session
        self.subject_key, self.event_oid, self.repeat, self.form = subject_key, event, repeat, form
        self.point = point
        self.signed: SignatureView | None = None
        self.needs_ack = signatures.needs_acknowledgement(self.app)
        self.needs_username = signatures.username_required(self.app)
        self.setWindowTitle(self.tr("Electronic signature"))
        self.setMinimumWidth(560)
        text = context.text
        layout = QVBoxLayout(self)
        what = QLabel(self.tr("{form} — subject {key}").format(
            form=f"{form.number} {text(form.label)}", key=subject_key))  # fmt: skip
        what.setWordWrap(True)
        layout.addWidget(what)
        self.meaning = QLabel(text(point.meaning))
        self.meaning.setObjectName("signatureMeaning")
        font = self.meaning.font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.2)
        self.meaning.setFont(font)
        self.meaning.setWordWrap(True)
        layout.addWidget(self.meaning)
        if point.name in signatures.CASEBOOK_POINTS:
            scope = QLabel(self.tr("This signature covers the whole casebook of the subject."))
            scope.setWordWrap(True)
            layout.addWidget(scope)
        self.ack_box: QCheckBox | None = None
        if self.needs_ack:
            frame = QFrame(self)
            frame.setObjectName("acknowledgement")
            frame.setFrameShape(QFrame.Shape.StyledPanel)
            box = QVBoxLayout(frame)
            heading = QLabel(self.tr("Before your first electronic signature:"))
            heading.setWordWrap(True)
            statement = QLabel(text(signatures.ACKNOWLEDGEMENT))
            statement.setObjectName("acknowledgementText")
            statement.setWordWrap(True)
            statement.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            self.ack_box = QCheckBox(self.tr("I have read and &accept this statement"), frame)
            self.ack_box.setObjectName("acknowledgementBox")
            self.ack_box.toggled.connect(self._update)
            box.addWidget(heading)
            box.addWidget(statement)
            box.addWidget(self.ack_box)
            layout.addWidget(frame)
        fields = QFormLayout()
        self.printed = QLabel(self.app.display_name or self.app.username)
        self.printed.setObjectName("printedName")
        fields.addRow(self.tr("Printed name:"), self.printed)
        self.username = QLineEdit(self)
        self.username.setObjectName("signatureUsername")
        self.username.textChanged.connect(self._update)
        if self.needs_username:
            fields.addRow(self.tr("&User name:"), self.username)
        else:
            self.username.hide()
        self.password = QLineEdit(self)
        self.password.setObjectName("signaturePassword")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.textChanged.connect(self._update)
        fields.addRow(self.tr("&Password:"), self.password)
        layout.addLayout(fields)
        self.error = QLabel(self)
        self.error.setObjectName("signatureError")
        self.error.setWordWrap(True)
        set_text_colour(self.error, BROKEN_COLOUR)
        self.error.hide()
        layout.addWidget(self.error)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText(self.tr("&Sign"))
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        (self.username if self.needs_username else self.password).setFocus()
        self._update()

    def _update(self, *_args) -> None:
        ok = bool(self.password.text()) and (
            not self.needs_username or bool(self.username.text().strip())) and (
            self.ack_box is None or self.ack_box.isChecked())  # fmt: skip
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(ok)

    def accept(self) -> None:
        """Acknowledge (first time) and sign; a refusal keeps the dialog open with its reason."""
        password = self.password.text()
        self.password.clear()  # the password lives in the service call only
        try:
            if self.ack_box is not None and self.needs_ack:
                if not self.ack_box.isChecked():
                    return
                signatures.acknowledge(self.app, password)
                self.needs_ack = False
            self.signed = signatures.sign(
                self.app, self.subject_key, self.event_oid, self.repeat, self.form.code,
                self.point.name, password,
                username=self.username.text().strip() if self.needs_username else None)  # fmt: skip
        except TntError as exc:
            self.error.setText(error_text(exc))
            self.error.show()
            self.password.setFocus()
            return
        finally:
            del password
        super().accept()


class SignatureStrip(QFrame):
    """The form's signature points: manifestation, broken state, and Sign… for the signer."""

    signed = Signal()

    def __init__(self, context: GuiContext, subject_key: str, event: str, repeat: int,
                 form: Form, parent: QWidget | None = None) -> None:  # fmt: skip
        super().__init__(parent)
        self.setObjectName("signatureStrip")
        self.context = context
        self.app = context.session
        self.subject_key, self.event_oid, self.repeat, self.form = subject_key, event, repeat, form
        self.can_sign = allowed(self.app.role, Permission.SIGN)
        self.views: dict[str, SignatureView] = {}  # point → the current signature
        self.status = ""
        self.points: list[SignaturePoint] = []
        self.grid = QGridLayout(self)
        self.grid.setContentsMargins(0, 0, 0, 0)
        self.grid.setHorizontalSpacing(8)
        self.labels: dict[str, QLabel] = {}
        self.sign_buttons: dict[str, QPushButton] = {}
        self.setVisible(False)

    def load(self, status: str) -> None:
        self.status = status
        try:
            views = signatures.form_signatures(self.app, self.subject_key, self.event_oid,
                                               self.repeat, self.form.code)  # fmt: skip
        except TntError:
            views = []
        self.views = {k[3]: v for k, v in signatures.current_signatures(views).items()}
        self.points = shown_points(self.form, views)
        for index, point in enumerate(self.points):
            if point.name not in self.labels:
                label = QLabel(self)
                label.setObjectName(f"signature_{point.name}")
                label.setWordWrap(True)
                label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
                button = QPushButton(self)
                button.setObjectName(f"sign_{point.name}")
                button.setAutoDefault(False)
                button.clicked.connect(lambda _=False, p=point: self.sign(p))
                self.grid.addWidget(label, index, 0)
                self.grid.addWidget(button, index, 1, Qt.AlignmentFlag.AlignTop)
                self.grid.setColumnStretch(0, 1)
                self.labels[point.name], self.sign_buttons[point.name] = label, button
        self.setVisible(bool(self.points))
        self.retranslate()

    def retranslate(self) -> None:
        lang = self.context.lang
        for point in self.points:
            label, button = self.labels[point.name], self.sign_buttons[point.name]
            view = self.views.get(point.name)
            if view is None:
                label.setText(self.tr("Not signed: {label} — “{meaning}”").format(
                    label=self.context.text(point.label),
                    meaning=self.context.text(point.meaning)))  # fmt: skip
                set_text_colour(label, None)
            elif view.state is SignatureState.BROKEN:
                label.setText(self.tr("Signature broken — re-signature required") + "\n"
                              + manifestation(view, lang))
                set_text_colour(label, BROKEN_COLOUR, bold=True)
            elif view.state is SignatureState.INVALID:  # forged or altered outside the app
                label.setText(self.context.text(signatures.INVALID_TEXT) + "\n"
                              + manifestation(view, lang))
                set_text_colour(label, BROKEN_COLOUR, bold=True)
            else:
                label.setText(manifestation(view, lang))
                set_text_colour(label, SIGNED_COLOUR)
            broken = view is not None and view.state is not SignatureState.VALID
            button.setText(self.tr("Re-sign…") if broken else self.tr("Sign…"))
            button.setVisible(self.can_sign and self.status in signatures.SIGNABLE
                              and (view is None or broken))  # fmt: skip

    def is_broken(self, point: str) -> bool:
        view = self.views.get(point)
        return view is not None and view.state is SignatureState.BROKEN

    def sign(self, point: SignaturePoint) -> bool:
        dialog = SignatureDialog(self.context, self.subject_key, self.event_oid, self.repeat,
                                 self.form, point, self)  # fmt: skip
        if dialog.exec() != QDialog.DialogCode.Accepted or dialog.signed is None:
            return False
        self.signed.emit()
        return True
