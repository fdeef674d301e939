-- A letter whose supporter's paragraph an organiser decided not to send
-- (adminDeliveryWithoutParagraph): it goes, but is written without it. The
-- composer of a per-signature letter (src/letters/signature-letter.ts) passes
-- no comment to letterFields when this is set; the signature keeps its
-- comment, which the supporter wrote and may still see.
ALTER TABLE letter_deliveries ADD COLUMN without_paragraph boolean NOT NULL DEFAULT false;
