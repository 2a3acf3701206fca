"""The public-revenue ledger (公共收益台账)."""
