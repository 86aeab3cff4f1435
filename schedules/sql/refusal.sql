-- A delivery file refused whole: $1 source, $2 file_name, $3 sha256,
-- $4 refused_at, $5 reason.
INSERT INTO refusals (source, file_name, sha256, refused_at, reason) VALUES ($1, $2, $3, $4, $5);
