// To be written with the Mapping issue.
