//! Test support shared by unit tests, integration tests, benchmarks and fuzz targets: synthetic
//! specs and misbehaving servers. Not part of the supported API.

pub mod large_spec;

pub mod server;
