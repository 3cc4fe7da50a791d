#pragma once
// The [<experiment>.circuit] table shared by the NDCAM drivers (ndcam_variation, ndcam_accuracy):
// every constant of ndcam::CircuitParams, defaults = the calibrated values. sigma and the sense
// resolution are swept by the drivers and not read here.
#include "core/config.hpp"
#include "ndcam/circuit_params.hpp"

namespace rapidnn::experiments {

/// Reads `parent`'s "circuit" child table; a value the model rejects fails on that table.
ndcam::CircuitParams parse_ndcam_circuit(ConfigNode& parent);

}  // namespace rapidnn::experiments
