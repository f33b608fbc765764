"""Jobs: lists, workload, the job page (intake, transitions, review, approval) and the bench page."""
