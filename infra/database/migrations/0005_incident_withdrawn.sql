-- An issue whose `incident` label is removed stops being an incident (docs/monitoring.md, "Delivery
-- metrics"). Its row is kept and marked rather than deleted: the writer holds no DELETE, putting the
-- label back makes it an incident again, and the mark says what happened. The dashboard leaves
-- withdrawn incidents out.
ALTER TABLE incidents ADD COLUMN withdrawn boolean NOT NULL DEFAULT false;
