"""disputes: the international legal service desk's cases, parties, deadlines, documents and outcomes

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-29 05:50:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "disputes_cases",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("reference", sa.String(length=32), nullable=False),
        sa.Column("type", sa.String(length=24), nullable=False),
        sa.Column("status", sa.String(length=24), nullable=False),
        sa.Column("intake", sa.String(length=8), nullable=False),
        sa.Column("subject", sa.String(length=300), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_on", sa.Date(), nullable=True),
        sa.Column("outcome_kind", sa.String(length=16), nullable=True),
        sa.Column("cross_border", sa.Boolean(), nullable=False),
        sa.Column("body", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_disputes_cases")),
        sa.UniqueConstraint("reference", name=op.f("uq_disputes_cases_reference")),
    )
    op.create_index(op.f("ix_disputes_cases_type"), "disputes_cases", ["type"], unique=False)
    op.create_index(op.f("ix_disputes_cases_status"), "disputes_cases", ["status"], unique=False)
    op.create_index(op.f("ix_disputes_cases_opened_at"), "disputes_cases", ["opened_at"], unique=False)
    op.create_table(
        "disputes_participants",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("case_id", sa.String(length=32), nullable=False),
        sa.Column("capacity", sa.String(length=8), nullable=False),
        sa.Column("key", sa.String(length=220), nullable=False),
        sa.Column("party_id", sa.String(length=32), nullable=True),
        sa.Column("enterprise_id", sa.String(length=32), nullable=True),
        sa.Column("country", sa.String(length=2), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"], ["disputes_cases.id"], name=op.f("fk_disputes_participants_case_id_disputes_cases")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_disputes_participants")),
    )
    op.create_index(
        "ix_disputes_participants_case_capacity", "disputes_participants", ["case_id", "capacity"], unique=False
    )
    op.create_index(op.f("ix_disputes_participants_key"), "disputes_participants", ["key"], unique=False)
    op.create_index(
        op.f("ix_disputes_participants_enterprise_id"), "disputes_participants", ["enterprise_id"], unique=False
    )
    op.create_index(op.f("ix_disputes_participants_country"), "disputes_participants", ["country"], unique=False)
    op.create_table(
        "disputes_events",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("case_id", sa.String(length=32), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["disputes_cases.id"], name=op.f("fk_disputes_events_case_id_disputes_cases")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_disputes_events")),
    )
    op.create_index(op.f("ix_disputes_events_case_id"), "disputes_events", ["case_id"], unique=False)
    op.create_table(
        "disputes_documents",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("document_id", sa.String(length=32), nullable=False),
        sa.Column("case_id", sa.String(length=32), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("media_type", sa.String(length=100), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("uploaded_by", sa.String(length=64), nullable=False),
        sa.Column("uploaded_by_party", sa.String(length=32), nullable=True),
        sa.Column("shared_with", sa.JSON(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["disputes_cases.id"], name=op.f("fk_disputes_documents_case_id_disputes_cases")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_disputes_documents")),
        sa.UniqueConstraint("document_id", "version", name="uq_disputes_documents_document_version"),
    )
    op.create_index(op.f("ix_disputes_documents_case_id"), "disputes_documents", ["case_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_disputes_documents_case_id"), table_name="disputes_documents")
    op.drop_table("disputes_documents")
    op.drop_index(op.f("ix_disputes_events_case_id"), table_name="disputes_events")
    op.drop_table("disputes_events")
    op.drop_index(op.f("ix_disputes_participants_country"), table_name="disputes_participants")
    op.drop_index(op.f("ix_disputes_participants_enterprise_id"), table_name="disputes_participants")
    op.drop_index(op.f("ix_disputes_participants_key"), table_name="disputes_participants")
    op.drop_index("ix_disputes_participants_case_capacity", table_name="disputes_participants")
    op.drop_table("disputes_participants")
    op.drop_index(op.f("ix_disputes_cases_opened_at"), table_name="disputes_cases")
    op.drop_index(op.f("ix_disputes_cases_status"), table_name="disputes_cases")
    op.drop_index(op.f("ix_disputes_cases_type"), table_name="disputes_cases")
    op.drop_table("disputes_cases")
