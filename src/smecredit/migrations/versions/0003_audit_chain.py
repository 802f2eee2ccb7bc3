"""audit chain: checkpoints as signed notes, leaf MACs, witness cosignatures, append-only triggers

- audit_events.leaf_mac: HMAC-SHA256 of each leaf hash under a key outside the database
  ($SMECREDIT_DATA_DIR/keys/audit_leaf_mac.key). Existing events are given theirs here: they are
  vouched for as they stand at the upgrade (run `smecredit audit verify` first).
- audit_checkpoints.note / frontier: the C2SP signed note and the frontier at its size. Rows
  signed before this revision keep note NULL (the legacy format) and stay verifiable.
- audit_cosignatures: witnesses' cosignatures.
- Triggers refuse UPDATE and DELETE on audit_events, audit_checkpoints and audit_cosignatures, and
  TRUNCATE on PostgreSQL. audit_head stays updatable (it is the append point).

Revision ID: 0003
Revises: 0002
"""
from alembic import op
import sqlalchemy as sa
import smecredit.kernel.db


revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

APPEND_ONLY = ("audit_events", "audit_checkpoints", "audit_cosignatures")

PG_FUNCTION = """
CREATE OR REPLACE FUNCTION smecredit_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit tables are append-only: % on % refused (审计表只允许追加)', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END
$$
"""


def _backfill_leaf_macs(bind) -> None:
    rows = bind.execute(sa.text("SELECT seq, leaf_hash FROM audit_events ORDER BY seq")).fetchall()
    if not rows:
        return
    import hashlib
    import hmac

    from smecredit.audit.keystore import load_or_create_mac_key

    key = load_or_create_mac_key()
    for seq, leaf_hash in rows:
        try:
            leaf = bytes.fromhex(leaf_hash)
        except ValueError:
            leaf = leaf_hash.encode("utf-8")  # damaged already: verify will name it
        bind.execute(sa.text("UPDATE audit_events SET leaf_mac = :mac WHERE seq = :seq"),
                     {"mac": hmac.new(key, leaf, hashlib.sha256).hexdigest(), "seq": seq})


def upgrade() -> None:
    bind = op.get_bind()
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("leaf_mac", sa.String(length=64), nullable=True))
    _backfill_leaf_macs(bind)
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.alter_column("leaf_mac", existing_type=sa.String(length=64), nullable=False)
    with op.batch_alter_table("audit_checkpoints", schema=None) as batch_op:
        batch_op.add_column(sa.Column("note", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("frontier", sa.Text(), nullable=True))
    op.create_table(
        "audit_cosignatures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("checkpoint_id", sa.Integer(), nullable=False),
        sa.Column("witness_name", sa.String(length=200), nullable=False),
        sa.Column("witness_key_id", sa.String(length=8), nullable=False),
        sa.Column("cosigned_at", smecredit.kernel.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("signature_line", sa.Text(), nullable=False),
        sa.Column("received_at", smecredit.kernel.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("received_by", sa.String(length=100), nullable=False),
        sa.ForeignKeyConstraint(["checkpoint_id"], ["audit_checkpoints.id"],
                                name=op.f("fk_audit_cosignatures_checkpoint_id_audit_checkpoints")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_cosignatures")),
        sa.UniqueConstraint("checkpoint_id", "witness_name", name=op.f("uq_audit_cosignatures_checkpoint_id")),
    )
    with op.batch_alter_table("audit_cosignatures", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_cosignatures_checkpoint_id"), ["checkpoint_id"], unique=False)

    if bind.dialect.name == "postgresql":
        op.execute(PG_FUNCTION)
        for table in APPEND_ONLY:
            op.execute(f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                       "FOR EACH ROW EXECUTE FUNCTION smecredit_audit_append_only()")
            op.execute(f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
                       "FOR EACH STATEMENT EXECUTE FUNCTION smecredit_audit_append_only()")
    elif bind.dialect.name == "sqlite":
        for table in APPEND_ONLY:
            for operation in ("UPDATE", "DELETE"):
                op.execute(f"CREATE TRIGGER {table}_no_{operation.lower()} BEFORE {operation} ON {table} "
                           f"BEGIN SELECT RAISE(ABORT, 'audit tables are append-only: {operation} on {table} refused'); END")


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        for table in APPEND_ONLY:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}")
        op.execute("DROP FUNCTION IF EXISTS smecredit_audit_append_only()")
    elif bind.dialect.name == "sqlite":
        for table in APPEND_ONLY:
            for operation in ("update", "delete"):
                op.execute(f"DROP TRIGGER IF EXISTS {table}_no_{operation}")
    with op.batch_alter_table("audit_cosignatures", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_cosignatures_checkpoint_id"))
    op.drop_table("audit_cosignatures")
    with op.batch_alter_table("audit_checkpoints", schema=None) as batch_op:
        batch_op.drop_column("frontier")
        batch_op.drop_column("note")
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.drop_column("leaf_mac")
