-- Reserved; filled in by the work of issue 15 (no change yet).
SELECT 1;
