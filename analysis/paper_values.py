"""Every number of the RAPIDNN paper that the analysis compares against, in one place.

Source: Imani et al., "Deep Learning Acceleration with Neuron-to-Memory Transformation"
(HPCA 2020), the text in shared/paper/rapidnn-neuron-to-memory.md. Each constant names the
table, figure or section it comes from in its ``source`` entry (or its comment); values are
transcribed as printed, units in the key names (``area_um2``, ``power_mw``, ``error_pct``).
Where the paper disagrees with itself the value is kept as printed and ``NOTES`` says so.
"""

from __future__ import annotations

# --------------------------------------------------------------------------------------------
# Table 1: RAPIDNN parameters (Section 4.3; summarised again in Section 5.1).
# --------------------------------------------------------------------------------------------
TABLE1_RNA_BLOCKS = {
    "source": "Table 1 (I-RNA Block)",
    "crossbar": {"size": "1K*1K", "area_um2": 3136.0, "power_mw": 3.7},
    "counter": {"size": "1k*12-bits", "area_um2": 538.6, "power_mw": 0.7},
    "activation": {"size": "64-rows", "area_um2": 83.2, "power_mw": 0.2},
    "encoder": {"size": "64-rows", "area_um2": 83.2, "power_mw": 0.2},
}
RNA_COMPONENTS = ("crossbar", "counter", "activation", "encoder")
TABLE1_RNA_TOTAL = {"source": "Table 1 (Total RNA)", "area_um2": 3841.0, "power_mw": 4.8}
TABLE1_TILE = {
    "source": "Table 1 (I-Tile)",
    "rnas": {"size": "1k", "area_mm2": 3.84, "power_w": 4.8},
    "buffer": {"size": "1K-reg", "area_um2": 37.6, "power_mw": 2.8},
    "total": {"area_mm2": 3.88, "power_w": 4.8},
}
# "RAPIDNN totally consumes 153.6W maximum power and takes 124.1 mm2 area" (Section 5.1).
TABLE1_CHIP = {"source": "Table 1 (Total Chip); Section 5.1", "tiles": 32, "area_mm2": 124.1,
               "power_w": 153.6}
RNAS_PER_TILE = 1000  # "1k RNA blocks" (Section 4.3); 1000 x 3841 um2 = 3.841 mm2 matches 3.84 mm2

# --------------------------------------------------------------------------------------------
# Table 2: DNN models and baseline error rates (Section 5.2).
# --------------------------------------------------------------------------------------------
# The CIFAR-10 and CIFAR-100 rows share one topology printed over two lines; the output layer
# is FC:10 for CIFAR-10 and FC:100 for CIFAR-100 ("FC : 10 (100)").
_CIFAR_TOPOLOGY = "IN:32x32x3, CV:32x3x3, PL:2x2, CV:64x3x3, CV:64x3x3, FC:512, FC:{}"
TABLE2 = {
    "source": "Table 2",
    "rows": [
        {"dataset": "MNIST", "network": "MLP", "topology": "IN:784, FC:512, FC:512, FC:10",
         "error_pct": 1.5},
        {"dataset": "ISOLET", "network": "MLP", "topology": "IN:617, FC:512, FC:512, FC:26",
         "error_pct": 3.6},
        {"dataset": "HAR", "network": "MLP", "topology": "IN:561, FC:512, FC:512, FC:19",
         "error_pct": 1.7},
        {"dataset": "CIFAR-10", "network": "CNN", "topology": _CIFAR_TOPOLOGY.format(10),
         "error_pct": 14.4},
        {"dataset": "CIFAR-100", "network": "CNN", "topology": _CIFAR_TOPOLOGY.format(100),
         "error_pct": 42.3},
        {"dataset": "ImageNet", "network": "AlexNet", "topology": "AlexNet [8]", "error_pct": 43.0},
        {"dataset": "ImageNet", "network": "VGG-16", "topology": "VGGNet (16) [55]",
         "error_pct": 28.5},
        {"dataset": "ImageNet", "network": "GoogLeNet", "topology": "GoogLeNet [56]",
         "error_pct": 21.6},
        {"dataset": "ImageNet", "network": "ResNet-152", "topology": "ResNet (152) [48]",
         "error_pct": 17.1},
    ],
}
# "standard 98.4% for MNIST without convolutions" (Section 5.2) -- the accuracy they aimed for.
MNIST_MLP_STANDARD_ACCURACY_PCT = 98.4
# Training recipe (Section 5.2): SGD with momentum, dropout 0.5 on FC layers, ReLU hidden
# layers, softmax output.
TRAINING_RECIPE = {"source": "Section 5.2", "optimizer": "SGD with momentum",
                   "fc_dropout": 0.5, "hidden_activation": "ReLU", "output": "softmax"}

# --------------------------------------------------------------------------------------------
# Table 3: RAPIDNN composer overhead (retraining epochs and time, Section 5.2).
# --------------------------------------------------------------------------------------------
TABLE3 = {
    "source": "Table 3",
    "rows": [
        {"model": "MNIST", "epochs": 5, "time_s": 51.0, "time_text": "51s"},
        {"model": "ISOLET", "epochs": 5, "time_s": 1.9 * 60, "time_text": "1.9min"},
        {"model": "HAR", "epochs": 5, "time_s": 2.3 * 60, "time_text": "2.3min"},
        {"model": "CIFAR-100", "epochs": 5, "time_s": 4.8 * 60, "time_text": "4.8min"},
        {"model": "AlexNet", "epochs": 1, "time_s": 11.2 * 60, "time_text": "11.2min"},
        {"model": "GoogLeNet", "epochs": 1, "time_s": 29.7 * 60, "time_text": "29.7min"},
        {"model": "VGGNet", "epochs": 1, "time_s": 24.3 * 60, "time_text": "24.3min"},
        {"model": "ResNet", "epochs": 1, "time_s": 37.1 * 60, "time_text": "37.1min"},
    ],
}

# --------------------------------------------------------------------------------------------
# Table 4: quality loss and computation efficiency with RNA sharing (Section 5.6).
# --------------------------------------------------------------------------------------------
TABLE4 = {
    "source": "Table 4",
    "sharing_pct": [0, 5, 10, 15, 20, 25, 30],
    "rows": [
        {"network": "AlexNet", "codebooks": 64, "loss_pct": [0.1, 0.1, 0.2, 0.4, 0.6, 0.9, 1.1]},
        {"network": "VGGNet", "codebooks": 64, "loss_pct": [0.3, 0.3, 0.3, 0.5, 0.7, 1.1, 1.5]},
        {"network": "GoogLeNet", "codebooks": 64, "loss_pct": [0.5, 0.5, 0.5, 0.7, 1.0, 1.5, 1.9]},
        {"network": "ResNet", "codebooks": 128, "loss_pct": [0.5, 0.5, 0.7, 0.8, 1.4, 1.8, 2.4]},
    ],
    "gops_per_s_mm2": [1905, 2004, 2073, 2195, 2335, 2483, 2661],
}
# "neuron sharing improves RAPIDNN computation efficiency by 1.14x and 1.29x, while ensuring
# less than 1% and 2% loss" (Section 5.6). See NOTES: Table 4 itself gives 1.15x and 1.30x.
SECTION56_SHARING_GAIN = {"source": "Section 5.6", "loss_below_1pct": 1.14, "loss_below_2pct": 1.29}

# --------------------------------------------------------------------------------------------
# Section 5.3: accuracy of the reinterpreted models (Figure 10).
# --------------------------------------------------------------------------------------------
SECTION53 = {
    "source": "Section 5.3 (Figure 10)",
    # "using lookup table with 64 rows to modify activation function (Sigmoid) results in the
    # same accuracy level to the baseline models"
    "activation_rows_q_for_baseline_accuracy": 64,
    # "When clustering with 16 and 64 for the weights and inputs ... delta e ~ 0% for most"
    "typical_lossless_w": 16,
    "typical_lossless_u": 64,
    # "the DNN model for MNIST is performed with delta e = 0 when w = 64 and u = 16"
    "mnist_lossless": {"w": 64, "u": 16, "delta_e_pct": 0.0},
    # "ImageNet ... requires 64 clustered weights and 64 clustered inputs"
    "imagenet_lossless": {"w": 64, "u": 64},
    # "for AlexNet, VGGNet, and GoogLeNet, RAPIDNN provides less than 0.1%, 0.3%, and 0.5%
    # quality loss using 64 clustered inputs/weights"
    "loss_at_64_pct": {"AlexNet": 0.1, "VGGNet": 0.3, "GoogLeNet": 0.5},
    # "For ResNet, the minimum quality loss of 0.5% can be achieved using 128 ... clusters"
    "resnet_loss_at_128_pct": 0.5,
}

# --------------------------------------------------------------------------------------------
# Section 5.4: accuracy-efficiency trade-off versus the GTX 1080 GPU (Figures 11-14).
# --------------------------------------------------------------------------------------------
SECTION54_VS_GPU = {
    "source": "Section 5.4 (Figure 11)",
    "w4_u4": {"energy_improvement": 253.2, "speedup": 422.5},
    "w64_u64": {"energy_improvement": 161.9, "speedup": 386.25},
}
SECTION54_EDP = {  # Figure 12, relative to the minimum-delta-e configuration
    "source": "Section 5.4 (Figure 12)",
    "delta_e_pct": [2.0, 4.0],
    "edp_saving_pct": [11.0, 15.0],
    "memory_saving_pct": [77.0, 87.0],
}
SECTION54_MEMORY = {  # "largest memory usage ... 873MB and 318MB" at 0.3% / 0.1% loss
    "source": "Section 5.4",
    "VGG-16": {"memory_mb": 873.0, "delta_e_pct": 0.3},
    "CIFAR-100": {"memory_mb": 318.0, "delta_e_pct": 0.1},
}
# Figure 13 at w = u = 64. The sentence reads "77.1% and 81.4%" of "the energy and execution
# time for the two types"; we read it as energy / time, like the pooling and "other" figures.
FIG13_BREAKDOWN = {
    "source": "Section 5.4.1 (Figure 13)",
    "weighted_accumulation": {"energy_pct": 77.1, "time_pct": 81.4},
    "pooling": {"energy_pct": 3.2, "time_pct": 1.9},
    "other": {"energy_pct": 11.2, "time_pct": 14.8},
    # "the majority is consumed by the broadcast buffer (69% and 75% within the sub-portion)"
    "broadcast_buffer_within_other": {"energy_pct": 69.0, "time_pct": 75.0},
}
FIG14_AREA = {
    "source": "Section 5.4.2 (Figure 14)",
    "rna_pct": 56.7,
    "memory_pct": 38.2,
    "buffer_and_controller_pct": 5.1,
    "am_blocks_within_rna_pct": 10.8,
    # "RAPIDNN with w = 16 and u = 32 consumes 34% less area as compared to ISAAC"
    "area_saving_vs_isaac_pct_w16_u32": 34.0,
}

# --------------------------------------------------------------------------------------------
# Section 5.5: comparison with PIM and ASIC accelerators (Figures 15, 16).
# --------------------------------------------------------------------------------------------
SECTION55_EFFICIENCY = {
    "source": "Section 5.5",
    "gops_per_s_mm2": {"RAPIDNN": 1904.6, "ISAAC": 479.0, "PipeLayer": 1485.1},
    "gops_per_s_w": {"RAPIDNN": 839.1, "ISAAC": 380.7, "PipeLayer": 142.9},
}
SECTION55_ONE_CHIP = {  # RAPIDNN 1 chip relative to each accelerator (Figure 15)
    "source": "Section 5.5 (Figure 15)",
    "speedup": {"DaDianNao": 24.3, "ISAAC": 5.6, "PipeLayer": 1.5},
    "energy_improvement": {"DaDianNao": 40.3, "ISAAC": 13.4, "PipeLayer": 49.6},
}
SECTION55_EIGHT_CHIPS = {  # 8 chips, similar area to ISAAC and PipeLayer (Figure 15; abstract)
    "source": "Section 5.5 (Figure 15); Abstract",
    "speedup": {"ISAAC": 48.1, "PipeLayer": 10.9},
    "energy_improvement": {"ISAAC": 68.4, "PipeLayer": 49.6},
}
SECTION55_ASIC = {  # average, same chip area, normalised to Eyeriss (Figure 16)
    "source": "Section 5.5 (Figure 16)",
    "Eyeriss": {"speedup": 4.8, "energy_improvement": 28.2},
    "SnaPEA": {"speedup": 2.3, "energy_improvement": 14.3},
}
# Accelerator configurations the comparison assumes (Section 5.5).
SECTION55_BASELINE_CONFIGS = {
    "source": "Section 5.5",
    "DaDianNao": {"clock_mhz": 600, "edram_mb": 36, "nfu": 16, "bus_bits": 128},
    "ISAAC": {"clock_ghz": 1.2, "adc_bits": 8, "dac_bits": 1, "array": 128, "bits_per_cell": 2},
    "PipeLayer": {"like": "ISAAC", "spike_lambda": 4},
    "max_delta_e_imagenet_pct": 0.5,
}

# --------------------------------------------------------------------------------------------
# Section 4.2.2: nearest-distance CAM (NDCAM) and its Monte Carlo study (also Section 5.1).
# --------------------------------------------------------------------------------------------
SECTION422_NDCAM = {
    "source": "Section 4.2.2",
    "maxpool_4x4_ndcam": {"area_um2": 24.0, "latency_ns": 0.5, "energy_fj": 920.0},
    "maxpool_4x4_cmos": {"area_um2": 374.0, "latency_ns": 1.2, "energy_fj": 378.0},
    "monte_carlo_runs": 5000,
    "process_variation_pct": 10.0,
    "bits_per_stage": 8,
    "stages": 4,
    "word_bits": 32,
}

# Section 1: "around 5 KBytes for each neuron" and "less than 0.5% of quality loss".
INTRO = {"source": "Section 1", "memory_per_neuron_kb": 5.0, "max_quality_loss_pct": 0.5,
         "adc_dac_area_share_in_isaac_pct": 98.0}

# Places where the paper disagrees with itself or with arithmetic on its own numbers.
NOTES = [
    "Energy improvement over PipeLayer with 8 chips: the Abstract and Section 1 say 49.5x, "
    "Section 5.5 says 49.6x (the same value it gives for 1 chip); SECTION55_EIGHT_CHIPS keeps "
    "Section 5.5's 49.6x.",
    "Table 1 tile: 1k RNAs (3.84 mm2) + buffer (37.6 um2) = 3.84 mm2, but the tile total is "
    "printed as 3.88 mm2; the chip total 124.1 mm2 = 32 x 3.88 mm2 uses the printed tile total.",
    "Table 4 gives 2195/1905 = 1.15x (15% sharing, all losses < 1%) and 2483/1905 = 1.30x "
    "(25% sharing, all losses < 2%); Section 5.6 states 1.14x and 1.29x.",
    "Section 5.4.1: '77.1% and 81.4%' is read as energy and execution time of the weighted "
    "accumulation (the sentence could also be read as Type 1 / Type 2).",
    "Table 2 lists 19 outputs for HAR, while the UCI HAR data set has 6 activity classes.",
]


def table2_row(paper_dataset: str) -> dict | None:
    """The Table 2 row a run stands in for, by data set or network name (case-insensitive;
    'VGGNet'/'VGG-16', 'ResNet'/'ResNet-152' accepted)."""
    key = paper_dataset.strip().lower().replace(" ", "")
    aliases = {"vggnet": "vgg-16", "vgg16": "vgg-16", "resnet": "resnet-152",
               "resnet152": "resnet-152", "cifar10": "cifar-10", "cifar100": "cifar-100"}
    key = aliases.get(key, key)
    for row in TABLE2["rows"]:
        if row["dataset"] != "ImageNet" and key == row["dataset"].lower():
            return row
        if row["dataset"] == "ImageNet" and key == row["network"].lower():
            return row
    return None
