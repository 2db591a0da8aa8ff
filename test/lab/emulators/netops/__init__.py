"""
Lab emulation of DX NetOps Performance Management's fault-tolerant data aggregator surface on one
lab host, one module per program (README.md beside these files says which is which). setup.ts
installs the modules as this package in /lab/lib/python/netops and the thin executable
`netops-lab` as /lab/bin/netops-lab, /lab/bin/service and /lab/bin/vsql; main.py dispatches on the
name it was called by.
"""
