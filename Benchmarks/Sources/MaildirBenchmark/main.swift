// To be written with the Maildir issue.
