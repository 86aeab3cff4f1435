-- Record a delivery; its row counts are set when the file has been read.
INSERT INTO deliveries (source, file_name, sha256, format, received_at)
VALUES ($1, $2, $3, $4, $5)
RETURNING delivery_id;
