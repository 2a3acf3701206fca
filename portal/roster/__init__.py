"""Unit rosters: CSV (UTF-8, GBK/GB18030) and XLSX import with a preview, all or nothing; export."""
