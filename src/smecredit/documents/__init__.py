"""The document store: uploads checked by content, kept encrypted and content-addressed (SHA-256)
in a storage adapter (a local folder, or an S3-compatible bucket). See `store`."""
