"""Form status, freeze and lock in the GUI (issue 6; CRF_SPEC.md REQ-DQ-04, REQ-AT-06).

What the screens share: painted lock / freeze marks (no emoji font needed), the texts of the
subject's data state, why a form is read-only (`read_only_kind`, `banner_text`), the dialog that
asks why something is unlocked (a reason is required), and `WorkflowActions`, which calls the
services of `services.workflow` for the role that may (VERIFY for the monitor, FREEZE_LOCK for
the data manager) and emits `changed` after each step so that the views read again. A refused
step shows the service's own message (a WorkflowError in the user's language), never a
traceback. The bars built here go into the casebook (subject state and its actions) and the
form view (verify / lock / unlock the form, and the read-only banner).
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QObject, QPointF, Qt, Signal
from PySide6.QtGui import QAction, QColor, QIcon, QPainter, QPen, QPixmap
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QMenu,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from tnt_desktop.gui.context import GuiContext
from tnt_desktop.gui.errors import show_error
from tnt_desktop.services import sdv, workflow
from tnt_desktop.services.permissions import Permission, allowed
from tnt_desktop.services.workflow import (
    LOCKABLE,
    SUBJECT_STATE_LABELS,
    FormStatus,
    SubjectDataState,
)

LOCK_COLOUR = QColor("#8a4b00")
FROZEN_COLOUR = QColor("#1f5fae")
BANNER_BACKGROUND = QColor("#fff4e0")
FROZEN_BACKGROUND = QColor("#e6f0fb")

# why a form opens read-only (the strongest reason first)
DATABASE_LOCKED = "DATABASE_LOCKED"
SUBJECT_LOCKED = "SUBJECT_LOCKED"
SUBJECT_FROZEN = "SUBJECT_FROZEN"
FORM_LOCKED = "FORM_LOCKED"


# ---- marks ------------------------------------------------------------------------------------
def lock_pixmap(colour: QColor = LOCK_COLOUR, size: int = 12) -> QPixmap:
    """A padlock: a shackle over a filled body."""
    pixmap = QPixmap(size, size)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    pen = QPen(colour, max(1.2, size / 9))
    painter.setPen(pen)
    painter.setBrush(Qt.BrushStyle.NoBrush)
    w = size * 0.5
    painter.drawArc(int(size * 0.25), int(size * 0.08), int(w), int(size * 0.62), 0, 180 * 16)
    painter.drawLine(QPointF(size * 0.25, size * 0.39), QPointF(size * 0.25, size * 0.5))
    painter.drawLine(QPointF(size * 0.75, size * 0.39), QPointF(size * 0.75, size * 0.5))
    painter.setBrush(colour)
    painter.drawRoundedRect(int(size * 0.12), int(size * 0.46), int(size * 0.76),
                            int(size * 0.48), 1.5, 1.5)  # fmt: skip
    painter.end()
    return pixmap


def frozen_pixmap(colour: QColor = FROZEN_COLOUR, size: int = 12) -> QPixmap:
    """A snowflake: three crossing strokes."""
    pixmap = QPixmap(size, size)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(QPen(colour, max(1.2, size / 9)))
    centre, radius = size / 2, size / 2 - 1
    painter.translate(centre, centre)
    for _ in range(3):
        painter.drawLine(QPointF(0, -radius), QPointF(0, radius))
        painter.rotate(60)
    painter.end()
    return pixmap


def lock_icon(size: int = 12) -> QIcon:
    return QIcon(lock_pixmap(size=size))


def frozen_icon(size: int = 12) -> QIcon:
    return QIcon(frozen_pixmap(size=size))


def state_icon(state: str, size: int = 12) -> QIcon | None:
    """The mark of a subject's data state (none for an open subject)."""
    if state == SubjectDataState.LOCKED.value:
        return lock_icon(size)
    if state == SubjectDataState.FROZEN.value:
        return frozen_icon(size)
    return None


def state_text(state: str, lang: str) -> str:
    """OPEN / FROZEN / LOCKED in the user's language ("Frozen")."""
    try:
        text = SUBJECT_STATE_LABELS[SubjectDataState(state)].get(lang)
    except ValueError:
        return state
    return text[:1].upper() + text[1:]


# ---- why a form is read-only ------------------------------------------------------------------
def lock_state(app, subject_key: str) -> tuple[str, bool]:
    """(the subject's data state, whether the database is locked): two small reads."""
    return workflow.subject_state(app, subject_key), workflow.is_database_locked(app)


def read_only_kind(state: str, db_locked: bool, form_status: str) -> str | None:
    """DATABASE_LOCKED, SUBJECT_LOCKED, SUBJECT_FROZEN, FORM_LOCKED or None."""
    if db_locked:
        return DATABASE_LOCKED
    if state == SubjectDataState.LOCKED.value:
        return SUBJECT_LOCKED
    if state == SubjectDataState.FROZEN.value:
        return SUBJECT_FROZEN
    if form_status == FormStatus.LOCKED.value:
        return FORM_LOCKED
    return None


def banner_text(kind: str, subject_key: str) -> str:
    translate = QCoreApplication.translate  # literal calls: pyside6-lupdate collects them
    if kind == DATABASE_LOCKED:
        return translate("WorkflowActions", "Read-only: the database is locked. Nothing can "
                         "change until a data manager unlocks it with a reason.")  # fmt: skip
    if kind == SUBJECT_LOCKED:
        return translate("WorkflowActions", "Read-only: subject {key} is locked. Nothing can "
                         "change until a data manager unlocks the subject with a reason."
                         ).format(key=subject_key)  # fmt: skip
    if kind == SUBJECT_FROZEN:
        return translate("WorkflowActions", "Read-only: subject {key} is frozen — no data entry. "
                         "Queries can still be raised and answered.").format(
                             key=subject_key)  # fmt: skip
    if kind == FORM_LOCKED:
        return translate("WorkflowActions", "Read-only: this form is locked. A data manager must "
                         "unlock it with a reason before it can change.")  # fmt: skip
    return ""


class LockBanner(QFrame):
    """A mark and a sentence saying why the screen is read-only (hidden when it is not)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("lockBanner")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setAutoFillBackground(True)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 5, 8, 5)
        self.icon = QLabel(self)
        self.icon.setObjectName("lockBannerIcon")
        self.icon.setAlignment(Qt.AlignmentFlag.AlignTop)
        self.text = QLabel(self)
        self.text.setObjectName("lockBannerText")
        self.text.setWordWrap(True)
        self.text.setTextFormat(Qt.TextFormat.PlainText)
        layout.addWidget(self.icon)
        layout.addWidget(self.text, 1)
        self.kind: str | None = None
        self.hide()

    def show_kind(self, kind: str | None, subject_key: str) -> None:
        self.kind = kind
        if kind is None:
            self.hide()
            return
        frozen = kind == SUBJECT_FROZEN
        self.icon.setPixmap(frozen_pixmap(size=16) if frozen else lock_pixmap(size=16))
        palette = self.palette()
        palette.setColor(self.backgroundRole(), FROZEN_BACKGROUND if frozen
                         else BANNER_BACKGROUND)  # fmt: skip
        palette.setColor(self.foregroundRole(), FROZEN_COLOUR if frozen else LOCK_COLOUR)
        self.setPalette(palette)
        self.text.setPalette(palette)
        self.text.setText(banner_text(kind, subject_key))
        self.show()


# ---- the reason asked for an unlock -----------------------------------------------------------
class ReasonDialog(QDialog):
    """Why something is unlocked (required: OK stays disabled until a reason is typed)."""

    def __init__(self, title: str, prompt: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("unlockReasonDialog")
        self.setWindowTitle(title)
        self.setMinimumWidth(460)
        layout = QVBoxLayout(self)
        intro = QLabel(prompt, self)
        intro.setWordWrap(True)
        layout.addWidget(intro)
        label = QLabel(self.tr("&Reason (required, kept in the audit trail):"), self)
        self.edit = QPlainTextEdit(self)
        self.edit.setObjectName("unlockReason")
        self.edit.setTabChangesFocus(True)
        self.edit.setFixedHeight(self.fontMetrics().lineSpacing() * 4 + 12)
        label.setBuddy(self.edit)
        layout.addWidget(label)
        layout.addWidget(self.edit)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.edit.textChanged.connect(self._update)
        self._update()

    def _update(self) -> None:
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(bool(self.reason()))

    def reason(self) -> str:
        return self.edit.toPlainText().strip()

    def set_reason(self, text: str) -> None:
        self.edit.setPlainText(text)


def ask_reason(parent: QWidget | None, title: str, prompt: str) -> str | None:
    """The reason typed, or None when the user cancels."""
    dialog = ReasonDialog(title, prompt, parent)
    try:
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return None
        return dialog.reason() or None
    finally:
        dialog.deleteLater()


def confirm(parent: QWidget | None, title: str, text: str) -> bool:
    answer = QMessageBox.question(parent, title, text,
                                  QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                                  QMessageBox.StandardButton.No)  # fmt: skip
    return answer == QMessageBox.StandardButton.Yes


# ---- the actions ------------------------------------------------------------------------------
class WorkflowActions(QObject):
    """The workflow steps a role may take; each returns True when the state changed."""

    changed = Signal(str)  # the subject key ("" for the database)

    def __init__(self, context: GuiContext, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.app = context.session
        self.can_verify = allowed(self.app.role, Permission.VERIFY)
        self.can_lock = allowed(self.app.role, Permission.FREEZE_LOCK)

    # what is possible in a state (the services decide; these only hide what would be refused)
    def form_steps(self, status: str, subject_state: str, db_locked: bool) -> dict[str, bool]:
        open_ = not db_locked and subject_state != SubjectDataState.LOCKED.value
        return {
            "verify": self.can_verify and open_ and status == FormStatus.COMPLETE.value,
            "lock": self.can_lock and open_ and status in LOCKABLE,
            "unlock": self.can_lock and open_ and status == FormStatus.LOCKED.value,
        }

    def subject_steps(self, state: str, db_locked: bool) -> dict[str, bool]:
        ok = self.can_lock and not db_locked
        return {
            "freeze": ok and state == SubjectDataState.OPEN.value,
            "unfreeze": ok and state == SubjectDataState.FROZEN.value,
            "lock": ok and state in (SubjectDataState.OPEN.value, SubjectDataState.FROZEN.value),
            "unlock": ok and state == SubjectDataState.LOCKED.value,
        }

    def _run(self, parent: QWidget | None, key: str, call) -> bool:
        try:
            call()
        except Exception as exc:  # a WorkflowError says why in the user's language
            show_error(parent, exc)
            return False
        self.changed.emit(key)
        return True

    # ---- forms
    def verify_form(self, parent: QWidget | None, key: str, event: str, repeat: int,
                    form: str) -> bool:  # fmt: skip
        return self._run(parent, key, lambda: sdv.verify_form(self.app, key, event, repeat,
                                                                   form))  # fmt: skip

    def lock_form(self, parent: QWidget | None, key: str, event: str, repeat: int,
                  form: str) -> bool:  # fmt: skip
        return self._run(parent, key, lambda: workflow.lock_form(self.app, key, event, repeat,
                                                                 form))  # fmt: skip

    def unlock_form(self, parent: QWidget | None, key: str, event: str, repeat: int,
                    form: str) -> bool:  # fmt: skip
        reason = ask_reason(parent, self.tr("Unlock form"),
                            self.tr("Unlock form {form} of subject {key}? Its data can then be "
                                    "changed again.").format(form=form, key=key))  # fmt: skip
        if reason is None:
            return False
        return self._run(parent, key, lambda: workflow.unlock_form(self.app, key, event, repeat,
                                                                   form, reason))  # fmt: skip

    # ---- subjects
    def freeze_subject(self, parent: QWidget | None, key: str) -> bool:
        return self._run(parent, key, lambda: workflow.freeze_subject(self.app, key))

    def unfreeze_subject(self, parent: QWidget | None, key: str) -> bool:
        reason = ask_reason(parent, self.tr("Unfreeze subject"),
                            self.tr("Unfreeze subject {key}? Data entry will be possible "
                                    "again.").format(key=key))  # fmt: skip
        if reason is None:
            return False
        return self._run(parent, key, lambda: workflow.unfreeze_subject(self.app, key, reason))

    def lock_subject(self, parent: QWidget | None, key: str) -> bool:
        if not confirm(parent, self.tr("Lock subject"),
                       self.tr("Lock subject {key}? Nothing in the casebook can change (not even "
                               "queries) until a data manager unlocks it with a reason.")
                       .format(key=key)):  # fmt: skip
            return False
        return self._run(parent, key, lambda: workflow.lock_subject(self.app, key))

    def unlock_subject(self, parent: QWidget | None, key: str) -> bool:
        reason = ask_reason(parent, self.tr("Unlock subject"),
                            self.tr("Unlock subject {key}? The casebook will be open for data "
                                    "entry again.").format(key=key))  # fmt: skip
        if reason is None:
            return False
        return self._run(parent, key, lambda: workflow.unlock_subject(self.app, key, reason))

    # ---- the database
    def lock_database(self, parent: QWidget | None) -> bool:
        if not confirm(parent, self.tr("Lock database"),
                       self.tr("Lock the whole database? No data of any subject can change until "
                               "a data manager unlocks it with a reason.")):  # fmt: skip
            return False
        return self._run(parent, "", lambda: workflow.lock_database(self.app))

    def unlock_database(self, parent: QWidget | None) -> bool:
        reason = ask_reason(parent, self.tr("Unlock database"),
                            self.tr("Unlock the database? Data entry will be possible again."))
        if reason is None:
            return False
        return self._run(parent, "", lambda: workflow.unlock_database(self.app, reason))

    # ---- menus (the casebook's form items, the subject list's rows)
    def form_menu(self, parent: QWidget, key: str, event: str, repeat: int, form: str,
                  status: str, subject_state: str, db_locked: bool) -> QMenu | None:  # fmt: skip
        steps = self.form_steps(status, subject_state, db_locked)
        if not (self.can_verify or self.can_lock):
            return None
        menu = QMenu(parent)
        menu.setObjectName("formWorkflowMenu")
        entries = []
        if self.can_verify:
            entries.append(("verify", self.tr("&Verify form (SDV)"), self.verify_form))
        if self.can_lock:
            entries += [("lock", self.tr("&Lock form"), self.lock_form),
                        ("unlock", self.tr("&Unlock form…"), self.unlock_form)]  # fmt: skip
        for name, text, slot in entries:
            action = menu.addAction(text)
            action.setObjectName(f"form_{name}")
            action.setEnabled(steps[name])
            action.triggered.connect(
                lambda _=False, s=slot: s(parent, key, event, repeat, form))  # fmt: skip
        return menu

    def subject_menu(self, parent: QWidget, key: str, state: str,
                     db_locked: bool) -> QMenu | None:  # fmt: skip
        if not self.can_lock:
            return None
        menu = QMenu(parent)
        menu.setObjectName("subjectWorkflowMenu")
        for action in self.subject_actions(menu, parent, key, state, db_locked):
            menu.addAction(action)
        return menu

    def subject_actions(self, owner: QObject, parent: QWidget, key: str, state: str,
                        db_locked: bool) -> list[QAction]:  # fmt: skip
        steps = self.subject_steps(state, db_locked)
        actions = []
        for name, text, slot in self._subject_entries():
            action = QAction(text, owner)
            action.setObjectName(f"subject_{name}")
            action.setEnabled(steps[name])
            action.triggered.connect(lambda _=False, s=slot: s(parent, key))
            actions.append(action)
        return actions

    def _subject_entries(self):
        return (("freeze", self.tr("&Freeze subject"), self.freeze_subject),
                ("unfreeze", self.tr("U&nfreeze subject…"), self.unfreeze_subject),
                ("lock", self.tr("&Lock subject"), self.lock_subject),
                ("unlock", self.tr("&Unlock subject…"), self.unlock_subject))  # fmt: skip


# ---- the casebook's subject bar ---------------------------------------------------------------
class SubjectStateBar(QWidget):
    """The subject's data state (with its mark, shown when not open or the database is locked)
    and, for the data manager, the freeze / lock buttons that apply to that state."""

    def __init__(self, actions: WorkflowActions, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("subjectStateBar")
        self.workflow = actions
        self.key: str | None = None
        self.state = SubjectDataState.OPEN.value
        self.db_locked = False
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.icon = QLabel(self)
        self.label = QLabel(self)
        self.label.setObjectName("subjectState")
        self.label.setWordWrap(True)
        layout.addWidget(self.icon)
        layout.addWidget(self.label, 1)
        self.buttons: dict[str, QPushButton] = {}
        for name, _text, slot in actions._subject_entries():
            button = QPushButton(self)
            button.setObjectName(f"subject_{name}")
            button.setAutoDefault(False)
            button.clicked.connect(lambda _=False, s=slot: self._clicked(s))
            button.setVisible(False)
            layout.addWidget(button)
            self.buttons[name] = button
        self.retranslate()

    def _clicked(self, slot) -> None:
        if self.key is not None:
            slot(self, self.key)

    def retranslate(self) -> None:
        for name, text, _slot in self.workflow._subject_entries():
            self.buttons[name].setText(text)
        self._show()

    def load(self, key: str | None) -> None:
        """Read the subject's state and the database lock again (two small reads)."""
        self.key = key
        if key is None:
            self.state, self.db_locked = SubjectDataState.OPEN.value, False
        else:
            try:
                self.state, self.db_locked = lock_state(self.workflow.app, key)
            except Exception:  # the casebook shows the read error itself
                self.state, self.db_locked = SubjectDataState.OPEN.value, False
        self._show()

    def _show(self) -> None:
        lang = self.workflow.context.lang
        parts = []
        if self.state != SubjectDataState.OPEN.value:
            parts.append(self.tr("Data: {state}").format(state=state_text(self.state, lang)))
            if self.state == SubjectDataState.FROZEN.value:
                parts.append(self.tr("no data entry; queries still possible"))
        if self.db_locked:
            parts.append(self.tr("database locked"))
        icon = state_icon(SubjectDataState.LOCKED.value if self.db_locked else self.state, 14)
        self.icon.setPixmap(icon.pixmap(14, 14) if icon is not None else QPixmap())
        self.icon.setVisible(icon is not None)
        self.label.setText(" · ".join(parts))
        colour = FROZEN_COLOUR if self.state == SubjectDataState.FROZEN.value and not (
            self.db_locked) else LOCK_COLOUR  # fmt: skip
        palette = self.label.palette()
        palette.setColor(self.label.foregroundRole(), colour)
        self.label.setPalette(palette)
        steps = self.workflow.subject_steps(self.state, self.db_locked)
        for name, button in self.buttons.items():
            button.setVisible(self.key is not None and self.workflow.can_lock and steps[name])
        self.setVisible(bool(parts) or any(b.isVisibleTo(self) for b in self.buttons.values()))


# ---- the form view's workflow buttons ---------------------------------------------------------
class FormWorkflowBar(QWidget):
    """Verify (monitor), Lock / Unlock… (data manager) for one form instance; only the steps
    the role and the state allow are shown."""

    def __init__(self, actions: WorkflowActions, key: str, event: str, repeat: int, form: str,
                 parent: QWidget | None = None) -> None:  # fmt: skip
        super().__init__(parent)
        self.setObjectName("formWorkflowBar")
        self.workflow = actions
        self.target = (key, event, repeat, form)  # (not `self.event`: QWidget.event exists)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.buttons: dict[str, QPushButton] = {}
        for name, slot in (("verify", actions.verify_form), ("lock", actions.lock_form),
                           ("unlock", actions.unlock_form)):  # fmt: skip
            button = QPushButton(self)
            button.setObjectName(f"form_{name}")
            button.setAutoDefault(False)
            button.clicked.connect(lambda _=False, s=slot: s(self, *self.target))
            button.setVisible(False)
            layout.addWidget(button)
            self.buttons[name] = button
        self.retranslate()

    def retranslate(self) -> None:
        self.buttons["verify"].setText(self.tr("&Verify form (SDV)"))
        self.buttons["verify"].setToolTip(
            self.tr("Record that every value of this form was checked against the source"))
        self.buttons["lock"].setText(self.tr("&Lock form"))
        self.buttons["unlock"].setText(self.tr("&Unlock form…"))

    def update_state(self, status: str, subject_state: str, db_locked: bool) -> None:
        steps = self.workflow.form_steps(status, subject_state, db_locked)
        for name, button in self.buttons.items():
            button.setVisible(steps[name])
        self.setVisible(any(steps.values()))
