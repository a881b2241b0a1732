// To be written with the EML issue.
