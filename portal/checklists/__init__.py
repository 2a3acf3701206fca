"""The three lists (三张清单): service standards (A), committee rights and duties (B), community assessment (C)."""
