"""The value objects and settings every part of sfprep shares: findings, fixes and edits
(model), the job a file is for (job), config files and run options (config, options),
the limit profiles as data (profiles/). Depends on nothing else in sfprep."""
