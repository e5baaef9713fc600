"""One run: its config (``schema``), what it trains (``job``) and its record, the run folder
(``folder``, written while it trains by ``recorder``), with the sweep's record beside it
(``sweep``) and where its code came from (``provenance``)."""
