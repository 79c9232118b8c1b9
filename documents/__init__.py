"""Documents of record: the PDFs the portal issues, its seal on them, their verification and the document centre."""
