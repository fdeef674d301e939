-- Confirmed signatures are anonymised ANONYMISE_AFTER_DAYS after their action
-- closed (src/supporters/anonymise.task.ts), so the moment it closed must be
-- known. A deadline says it for an open action past it; for one an organiser
-- closed or marked won, updated_at cannot: any later edit of its text moves
-- it, and each edit would put the anonymisation off again. closed_at is set
-- by the status change (sql/actions.sql admin-set-action-status) when an
-- action becomes closed or won, kept from closed to won, and cleared when it
-- is opened again. Actions already closed get their updated_at: the latest
-- the closing can have been, so none is anonymised earlier than it should be.
-- actions is a small table (tens of rows): the backfill is instant.
ALTER TABLE actions ADD COLUMN closed_at timestamptz;
UPDATE actions SET closed_at = updated_at WHERE status IN ('closed', 'won');

-- The closing moment whose anonymisation has been completed: a round that
-- walked all of an action's signatures records it, so later rounds skip the
-- action instead of walking a million anonymised rows again. An action that
-- closes again later (reopened, or its deadline moved) has a new closing
-- moment, and its signatures are walked once more.
ALTER TABLE actions ADD COLUMN signatures_anonymised_for timestamptz;
