"""Reviews: assigning reviewers to applications and turning their scores into a ranking."""
