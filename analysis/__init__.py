"""RAPIDNN result analysis: HDF5 result files -> markdown report with the paper's numbers beside ours.

Entry point: ``/usr/bin/python3 analysis/report.py RESULT.h5 [...] -o reports/``.
"""
