"""PDF toolkit tests: text order, amounts in words, reproducible documents."""
