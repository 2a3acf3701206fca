"""Notice boards (公示栏): versioned, hash-chained disclosures per contract, deadlines and public pages."""
