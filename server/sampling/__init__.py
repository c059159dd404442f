"""Survey sampling mathematics: allocation, school and participant selection, weights, estimates.

Pure functions over plain Python and numpy values: no Flask, no database. The services
(``server.services.sampling`` and friends) read frames and rosters, call these and store
what they return. Every random draw takes an explicit seed, so the same frame, design and
seed give the same sample.
"""
