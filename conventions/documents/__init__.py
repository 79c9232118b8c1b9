"""Documents of record: PDF rendering, the portal's PAdES signature and its verification."""
