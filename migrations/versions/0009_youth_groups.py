"""youth groups: rotation, swaps, records, quiz banks and contests, evaluations; outbox media

Revision ID: 0009
Revises: 0002
Create Date: 2026-11-22 04:30:22.373262
"""

from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql


revision = '0009'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('quiz_banks',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('unit_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('name', sa.String(length=32), nullable=False),
    sa.Column('created_by', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by'], ['people.id'], name=op.f('fk_quiz_banks_created_by_people'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_quiz_banks_unit_id_units'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_quiz_banks')),
    sa.UniqueConstraint('unit_id', 'name', name=op.f('uq_quiz_banks_unit_id_name'))
    )
    op.create_table('quiz_contests',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('unit_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('bank_name', sa.String(length=32), nullable=False),
    sa.Column('state', sa.Enum('running', 'stopping', 'finished', 'stopped', name='conteststate', native_enum=False, create_constraint=True, length=16), nullable=False),
    sa.Column('seconds', sa.Integer(), nullable=False),
    sa.Column('started_by', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['started_by'], ['people.id'], name=op.f('fk_quiz_contests_started_by_people'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_quiz_contests_unit_id_units'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_quiz_contests'))
    )
    with op.batch_alter_table('quiz_contests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_quiz_contests_unit_id'), ['unit_id'], unique=False)

    op.create_table('youth_evaluations',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('unit_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('period_start', sa.Date(), nullable=False),
    sa.Column('period_end', sa.Date(), nullable=False),
    sa.Column('committee_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('grade', sa.Enum('excellent', 'good', 'fair', 'poor', name='grade', native_enum=False, create_constraint=True, length=16), nullable=False),
    sa.Column('figures', sa.JSON().with_variant(postgresql.JSONB(), 'postgresql'), nullable=False),
    sa.Column('leader_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('rated_by', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('rated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('excellent', sa.Boolean(), nullable=False),
    sa.Column('consent', sa.Enum('asked', 'granted', 'declined', name='consent', native_enum=False, create_constraint=True, length=16), nullable=True),
    sa.Column('consent_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['committee_id'], ['units.id'], name=op.f('fk_youth_evaluations_committee_id_units'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['leader_id'], ['people.id'], name=op.f('fk_youth_evaluations_leader_id_people'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['rated_by'], ['people.id'], name=op.f('fk_youth_evaluations_rated_by_people'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_youth_evaluations_unit_id_units'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_youth_evaluations')),
    sa.UniqueConstraint('unit_id', 'period_start', name=op.f('uq_youth_evaluations_unit_id_period_start'))
    )
    op.create_table('youth_people',
    sa.Column('person_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('flag', sa.Boolean(), nullable=True),
    sa.Column('birth_year', sa.Integer(), nullable=True),
    sa.Column('updated_by', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_youth_people_person_id_people'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['updated_by'], ['people.id'], name=op.f('fk_youth_people_updated_by_people'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('person_id', name=op.f('pk_youth_people'))
    )
    op.create_table('youth_records',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('unit_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('period_start', sa.Date(), nullable=False),
    sa.Column('author_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('photos', sa.JSON().with_variant(postgresql.JSONB(), 'postgresql'), nullable=False),
    sa.Column('session_id', sa.BigInteger(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['author_id'], ['people.id'], name=op.f('fk_youth_records_author_id_people'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_youth_records_unit_id_units'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_youth_records'))
    )
    with op.batch_alter_table('youth_records', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_youth_records_author_id'), ['author_id'], unique=False)
        batch_op.create_index('ix_youth_records_unit_id_period_start', ['unit_id', 'period_start'], unique=False)

    op.create_table('youth_rotations',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('unit_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('period', sa.Enum('weekly', 'biweekly', 'monthly', 'quarterly', name='periodkind', native_enum=False, create_constraint=True, length=16), nullable=False),
    sa.Column('order', sa.JSON().with_variant(postgresql.JSONB(), 'postgresql'), nullable=False),
    sa.Column('anchor', sa.Date(), nullable=False),
    sa.Column('at', sa.String(length=5), nullable=False),
    sa.Column('turns', sa.JSON().with_variant(postgresql.JSONB(), 'postgresql'), nullable=False),
    sa.Column('draft', sa.JSON().with_variant(postgresql.JSONB(), 'postgresql'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_youth_rotations_unit_id_units'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_youth_rotations')),
    sa.UniqueConstraint('unit_id', name=op.f('uq_youth_rotations_unit_id'))
    )
    op.create_table('youth_swaps',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('unit_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('proposer_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('partner_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('proposer_period', sa.Date(), nullable=False),
    sa.Column('partner_period', sa.Date(), nullable=False),
    sa.Column('proposer_ok', sa.Boolean(), nullable=False),
    sa.Column('partner_ok', sa.Boolean(), nullable=False),
    sa.Column('state', sa.Enum('pending', 'done', 'refused', 'expired', 'void', name='swapstate', native_enum=False, create_constraint=True, length=16), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['partner_id'], ['people.id'], name=op.f('fk_youth_swaps_partner_id_people'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['proposer_id'], ['people.id'], name=op.f('fk_youth_swaps_proposer_id_people'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_youth_swaps_unit_id_units'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_youth_swaps'))
    )
    with op.batch_alter_table('youth_swaps', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_youth_swaps_unit_id'), ['unit_id'], unique=False)

    op.create_table('quiz_questions',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('bank_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('question', sa.String(length=280), nullable=False),
    sa.Column('options', sa.JSON().with_variant(postgresql.JSONB(), 'postgresql'), nullable=False),
    sa.Column('correct', sa.Integer(), nullable=False),
    sa.Column('explanation', sa.String(length=200), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['bank_id'], ['quiz_banks.id'], name=op.f('fk_quiz_questions_bank_id_quiz_banks'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_quiz_questions'))
    )
    with op.batch_alter_table('quiz_questions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_quiz_questions_bank_id'), ['bank_id'], unique=False)

    op.create_table('quiz_rounds',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('contest_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('question', sa.String(length=280), nullable=False),
    sa.Column('options', sa.JSON().with_variant(postgresql.JSONB(), 'postgresql'), nullable=False),
    sa.Column('correct', sa.Integer(), nullable=False),
    sa.Column('explanation', sa.String(length=200), nullable=True),
    sa.Column('poll_id', sa.String(length=64), nullable=True),
    sa.Column('message_id', sa.BigInteger(), nullable=True),
    sa.Column('opened_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('closes_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['contest_id'], ['quiz_contests.id'], name=op.f('fk_quiz_rounds_contest_id_quiz_contests'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_quiz_rounds')),
    sa.UniqueConstraint('contest_id', 'seq', name=op.f('uq_quiz_rounds_contest_id_seq')),
    sa.UniqueConstraint('poll_id', name=op.f('uq_quiz_rounds_poll_id'))
    )
    op.create_table('quiz_scores',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('contest_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('person_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('correct', sa.Integer(), nullable=False),
    sa.Column('answered', sa.Integer(), nullable=False),
    sa.Column('time_ms', sa.Integer(), nullable=False),
    sa.Column('rank', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['contest_id'], ['quiz_contests.id'], name=op.f('fk_quiz_scores_contest_id_quiz_contests'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_quiz_scores_person_id_people'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_quiz_scores')),
    sa.UniqueConstraint('contest_id', 'person_id', name=op.f('uq_quiz_scores_contest_id_person_id'))
    )
    with op.batch_alter_table('quiz_scores', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_quiz_scores_person_id'), ['person_id'], unique=False)

    op.create_table('quiz_answers',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('round_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('person_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('option', sa.Integer(), nullable=False),
    sa.Column('correct', sa.Boolean(), nullable=False),
    sa.Column('answered_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('elapsed_ms', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_quiz_answers_person_id_people'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['round_id'], ['quiz_rounds.id'], name=op.f('fk_quiz_answers_round_id_quiz_rounds'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_quiz_answers')),
    sa.UniqueConstraint('round_id', 'person_id', name=op.f('uq_quiz_answers_round_id_person_id'))
    )
    with op.batch_alter_table('quiz_answers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_quiz_answers_person_id'), ['person_id'], unique=False)

    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.add_column(sa.Column('media', sa.JSON().with_variant(postgresql.JSONB(), 'postgresql'), nullable=True))



def downgrade() -> None:
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_column('media')

    with op.batch_alter_table('quiz_answers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_quiz_answers_person_id'))

    op.drop_table('quiz_answers')
    with op.batch_alter_table('quiz_scores', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_quiz_scores_person_id'))

    op.drop_table('quiz_scores')
    op.drop_table('quiz_rounds')
    with op.batch_alter_table('quiz_questions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_quiz_questions_bank_id'))

    op.drop_table('quiz_questions')
    with op.batch_alter_table('youth_swaps', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_youth_swaps_unit_id'))

    op.drop_table('youth_swaps')
    op.drop_table('youth_rotations')
    with op.batch_alter_table('youth_records', schema=None) as batch_op:
        batch_op.drop_index('ix_youth_records_unit_id_period_start')
        batch_op.drop_index(batch_op.f('ix_youth_records_author_id'))

    op.drop_table('youth_records')
    op.drop_table('youth_people')
    op.drop_table('youth_evaluations')
    with op.batch_alter_table('quiz_contests', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_quiz_contests_unit_id'))

    op.drop_table('quiz_contests')
    op.drop_table('quiz_banks')
