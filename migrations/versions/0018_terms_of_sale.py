"""privacy: the terms of sale as a second kind of versioned document; the order keeps the terms
version its customer accepted

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-06 21:10:00

``policy_version`` gets ``kind`` (privacy/terms); its version numbers are unique per kind. The
first version of the terms (lesnamax/privacy/terms-v1.*.txt) is in force from the day this runs.
"""
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa
from alembic import op

revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None

TEXT_DIR = Path(__file__).resolve().parents[2] / "lesnamax" / "privacy"


def upgrade():
    # policy_version is small and no trigger hangs on it: batch mode (a rebuild on SQLite,
    # plain ALTERs on PostgreSQL) is safe here, unlike on "product".
    with op.batch_alter_table('policy_version', schema=None) as batch_op:
        batch_op.add_column(sa.Column('kind', sa.String(length=10), nullable=False,
                                      server_default='privacy'))
        batch_op.drop_constraint('uq_policy_version_version', type_='unique')
        batch_op.create_unique_constraint('uq_policy_version_kind_version', ['kind', 'version'])
    op.add_column('order', sa.Column('terms_version', sa.Integer(), nullable=True))
    now = datetime.now(UTC)
    policy = sa.table(
        "policy_version",
        sa.column("kind", sa.String), sa.column("version", sa.Integer),
        sa.column("body_sq", sa.Text), sa.column("body_en", sa.Text),
        sa.column("summary_sq", sa.Text), sa.column("summary_en", sa.Text),
        sa.column("published_at", sa.DateTime(timezone=True)),
        sa.column("effective_from", sa.Date),
    )
    op.bulk_insert(policy, [{
        "kind": "terms",
        "version": 1,
        "body_sq": (TEXT_DIR / "terms-v1.sq.txt").read_text(encoding="utf-8").strip(),
        "body_en": (TEXT_DIR / "terms-v1.en.txt").read_text(encoding="utf-8").strip(),
        "summary_sq": "",
        "summary_en": "",
        "published_at": now,
        # The first version: in force at once (there was nothing to give notice of). UTC's
        # day is never after Prishtinë's, so it is in force in the shop's day too.
        "effective_from": now.date(),
    }])


def downgrade():
    op.drop_column('order', 'terms_version')
    policy = sa.table("policy_version", sa.column("id", sa.Integer), sa.column("kind", sa.String))
    consent = sa.table("consent_record", sa.column("policy_version_id", sa.Integer))
    terms = sa.select(policy.c.id).where(policy.c.kind == 'terms')
    op.execute(consent.delete().where(consent.c.policy_version_id.in_(terms)))
    op.execute(policy.delete().where(policy.c.kind == 'terms'))
    with op.batch_alter_table('policy_version', schema=None) as batch_op:
        batch_op.drop_constraint('uq_policy_version_kind_version', type_='unique')
        batch_op.create_unique_constraint('uq_policy_version_version', ['version'])
        batch_op.drop_column('kind')
