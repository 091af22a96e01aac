//! Every integration test in one binary (linking RocksDB and the node once,
//! not once per file): each module is one area, numbered as the areas were
//! added (`cargo test -p remedy-tests t70_` runs one). They start real
//! `remedy-node` processes on loopback ports, with real TLS and real RocksDB.

mod t100_case_import;
mod t10_node;
mod t110_releases;
mod t115_hostile_releases;
mod t116_disclosure_attack;
mod t120_workplan;
mod t121_workplan_cycle;
mod t130_regional_view;
mod t140_audit;
mod t145_audit_record;
mod t150_equivocation;
mod t160_key_change;
mod t170_demo_dashboard;
mod t180_resources;
mod t185_control_characters;
mod t186_dashboard_security;
mod t190_private_on_disk;
mod t191_grpc_from_python;
mod t200_partners;
mod t20_bad_store;
mod t210_translations;
mod t220_webhook;
mod t230_wan;
mod t30_crash_consistency;
mod t40_federation_manifest;
mod t50_node_manifest;
mod t60_mutual_tls;
mod t70_replication;
mod t75_private_stays_home;
mod t80_member_joins;
mod t90_hostile_peer;
mod t92_malicious_peer;
mod t94_restore_and_recover;
