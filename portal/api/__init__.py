"""The JSON API under /api/v1: tokens, schemas, errors and the OpenAPI document."""
