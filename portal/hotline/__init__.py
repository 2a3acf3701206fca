"""12345 hotline work orders (imported from the hotline's spreadsheet exports) and the tenant's hotline directory."""
