"""Reads a remedy-net node's SDMX REST API, and files the CLI exported, with
Python's sdmx1 (a client nobody at remedy-net wrote), and prints what it read
as JSON for the Rust test to compare with `view stats`.

Usage: read_api.py BASE_URL TOKEN STRUCTURE.xml DATA.csv PERIOD MEMBER[,MEMBER...]
"""

import json
import math
import sys

import sdmx

base, token, structure_file, csv_file, period, members = sys.argv[1:7]
members = members.split(",")

sdmx.add_source(
    {
        "id": "REMEDYNET",
        "url": base.rstrip("/") + "/sdmx/rest",
        "name": "remedy-net node",
    }
)
client = sdmx.Client("REMEDYNET")
# The token goes with every request, as with any API behind a bearer token.
client.session.headers["Authorization"] = "Bearer " + token
out = {}

# Every dataflow.
flows = client.dataflow()
out["dataflows"] = sorted(flows.dataflow.keys())

# A data structure with its code lists (references=all, sdmx1's default).
structures = client.datastructure("DSD_CHANNEL_OUTCOME")
dsd = structures.structure["DSD_CHANNEL_OUTCOME"]
out["dimensions"] = [d.id for d in dsd.dimensions]
out["attributes"] = [a.id for a in dsd.attributes]
out["codelists"] = sorted(structures.codelist.keys())
out["outcome_labels"] = dict(
    structures.codelist["CL_OUTCOME"]["pending"].name.localizations
)


def observations(message):
    rows = []
    for ds in message.data:
        for obs in ds.obs:
            key = {k: str(getattr(v.value, "id", v.value)) for k, v in obs.key.values.items()}
            attrs = {k: str(getattr(v.value, "id", v.value))
                     for k, v in obs.attached_attribute.items()}
            value = obs.value
            if value is not None:
                value = float(value)
                value = None if math.isnan(value) else int(value)
            rows.append({"key": key, "value": value, "attributes": attrs})
    return rows


# A quarter's data for the members asked for, from the API.
data = client.data(
    "DF_CHANNEL_OUTCOME",
    key={"FREQ": "Q", "REF_AREA": members},
    params={"startPeriod": period, "endPeriod": period},
    dsd=dsd,
)
out["api"] = observations(data)

# The files the CLI exported: the structure message and SDMX-CSV.
exported = sdmx.read_sdmx(structure_file)
out["exported_dataflows"] = sorted(exported.dataflow.keys())
csv_data = sdmx.read_sdmx(csv_file, structure=exported.dataflow["DF_CHANNEL_OUTCOME"])
out["csv"] = observations(csv_data)

json.dump(out, sys.stdout)
