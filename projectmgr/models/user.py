import hashlib
import secrets
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import JSON, Boolean, CheckConstraint, ForeignKey, String, Text, false, true
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from ..extensions import db
from .base import enum_type, utcnow
from .enums import Role


class User(UserMixin, db.Model):
    __tablename__ = "user"
    __table_args__ = (
        # An owner always belongs to an undertaking organization.
        CheckConstraint("role != 'owner' OR organization_id IS NOT NULL", name="owner_has_organization"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    password_hash: Mapped[str] = mapped_column(String(256))
    role: Mapped[Role] = mapped_column(enum_type(Role, "role"))
    display_name: Mapped[str] = mapped_column(String(120))
    organization_id: Mapped[int | None] = mapped_column(ForeignKey("organization.id"), index=True)
    email: Mapped[str | None] = mapped_column(String(254))
    locale: Mapped[str | None] = mapped_column(String(8))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Email reminders (on by default); escalations are sent whatever this says.
    email_reminders: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    # --- authentication (issue 13 items 1-5) ---
    # Raised by sign-out, a password change and deactivation: every session signed with an older
    # version stops working at once (the version is part of the Flask-Login id).
    session_version: Mapped[int] = mapped_column(default=1, server_default="1")
    password_changed_at: Mapped[datetime | None]
    # The last PASSWORD_HISTORY hashes before the current one (newest first).
    password_history: Mapped[list[str] | None] = mapped_column(JSON, default=list)
    # A one-time password set by a reset: only the change-password page opens until it is changed.
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # Set only by `demo load`: the demo's accounts keep demo12345 and need no second factor.
    password_policy_exempt: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    failed_signins: Mapped[int] = mapped_column(default=0, server_default="0")
    failed_since: Mapped[datetime | None]
    locked_until: Mapped[datetime | None]
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    totp_enrolled_at: Mapped[datetime | None]
    totp_last_step: Mapped[int | None]  # the last accepted time step: a code is good once
    deactivated_at: Mapped[datetime | None]

    organization: Mapped["Organization | None"] = relationship()  # noqa: F821
    expert: Mapped["ExpertProfile | None"] = relationship(
        back_populates="user", uselist=False, cascade="all, delete-orphan", foreign_keys="ExpertProfile.user_id"
    )

    def set_password(self, password: str) -> None:
        """Hash and store; the previous hash goes to the history the policy checks against."""
        if getattr(self, "password_hash", None):
            self.password_history = [self.password_hash, *(self.password_history or [])][:20]
        self.password_hash = generate_password_hash(password)
        self.password_changed_at = utcnow()

    def get_id(self) -> str:  # Flask-Login: the session remembers the version it was signed with
        return f"{self.id}:{self.session_version}"

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    @property
    def is_active(self) -> bool:  # Flask-Login
        return self.active

    @property
    def is_staff(self) -> bool:
        """Staff and admin may do everything marked 'staff' in DESIGN §11."""
        return self.role in (Role.staff, Role.admin)

    @property
    def can_read_all(self) -> bool:
        return self.role in (Role.staff, Role.admin, Role.leader)

    @property
    def totp_enrolled(self) -> bool:
        return self.totp_secret is not None


class RecoveryCode(db.Model):
    """One of the ten one-time codes shown at TOTP enrolment; only a hash is kept."""

    __tablename__ = "recovery_code"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    code_hash: Mapped[str] = mapped_column(String(256))
    used_at: Mapped[datetime | None]


class ExpertProfile(db.Model):
    """An expert reviewer's fields, title, finance flag and declared conflicts (回避)."""

    __tablename__ = "expert_profile"

    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), primary_key=True)
    fields: Mapped[list[str]] = mapped_column(JSON, default=list)
    finance: Mapped[bool] = mapped_column(Boolean, default=False)
    title: Mapped[str] = mapped_column(String(120), default="")
    # Staff take an expert out of the pool (no draws) and back, each time with a reason.
    in_pool: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    pool_reason: Mapped[str | None] = mapped_column(Text)
    pool_changed_at: Mapped[datetime | None]
    pool_changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))

    user: Mapped[User] = relationship(back_populates="expert", foreign_keys=[user_id])
    conflicts: Mapped[list["ExpertConflict"]] = relationship(cascade="all, delete-orphan")

    @property
    def conflict_organization_ids(self) -> list[int]:
        return sorted(c.organization_id for c in self.conflicts)


class ExpertConflict(db.Model):
    __tablename__ = "expert_conflict"

    expert_id: Mapped[int] = mapped_column(ForeignKey("expert_profile.user_id"), primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"), primary_key=True)


class ApiToken(db.Model):
    """A bearer token; only its SHA-256 is stored, so a leaked database leaks no tokens."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None]
    expires_at: Mapped[datetime | None]  # API_TOKEN_DAYS after issue

    user: Mapped[User] = relationship()

    @staticmethod
    def hash(token: str) -> str:
        return hashlib.sha256(token.encode()).hexdigest()

    @classmethod
    def issue(cls, user: User) -> tuple["ApiToken", str]:
        token = secrets.token_urlsafe(32)
        return cls(user=user, token_hash=cls.hash(token)), token
