-- A supporter's proposal of a protest (issue 11, part F) says in their own
-- words what they plan ("a vigil with candles, about twenty of us"): for the
-- organisers who decide, never shown on the public page, and cleared with
-- proposed_by_name/email once decided.
ALTER TABLE protests ADD COLUMN proposal_note text CHECK (length(proposal_note) <= 2000);
