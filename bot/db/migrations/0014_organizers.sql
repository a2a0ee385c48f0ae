-- Reserved; filled in by the work of issue 14 (no change yet).
SELECT 1;
