"""A hand-written map from the 1000 ImageNet-1k classes to a few dozen general concepts.

No package maps ImageNet classes to everyday concepts, so this table is ours. Animals
(classes 0-397) follow ImageNet's own ordering in ranges; objects and food are listed by
index with the class name beside it in the comment-free form ``index`` (see
``tests/test_tagger.py``, which checks every index against the label list).
"""

from __future__ import annotations

from functools import cache


def _r(start: int, stop: int) -> set[int]:
    return set(range(start, stop + 1))


# concept -> broader concept; a label counts towards both.
PARENTS: dict[str, str] = {
    "dog": "animal",
    "cat": "animal",
    "bird": "animal",
    "fish": "animal",
    "insect": "animal",
    "reptile": "animal",
    "car": "vehicle",
    "boat": "vehicle",
    "aircraft": "vehicle",
    "train": "vehicle",
    "fruit": "food",
    "vegetable": "food",
    "flower": "plant",
    "screen": "electronics",
}

MEMBERS: dict[str, set[int]] = {
    "animal": _r(0, 397),
    "fish": _r(0, 6) | _r(389, 397),
    "bird": _r(7, 24) | _r(80, 100) | _r(127, 146),
    "reptile": _r(33, 68),
    "dog": _r(151, 268),
    "cat": _r(281, 285),
    "insect": _r(300, 326),
    "vehicle": {
        403, 404, 405, 407, 408, 436, 444, 450, 466, 468, 472, 484, 510, 511, 537, 547, 554,
        555, 561, 565, 569, 573, 575, 576, 586, 595, 603, 609, 612, 625, 627, 628, 654, 656,
        661, 665, 670, 671, 675, 690, 705, 717, 724, 734, 751, 757, 779, 780, 802, 803, 812,
        814, 817, 820, 829, 833, 847, 864, 866, 867, 870, 871, 874, 880, 895, 913, 914,
    },
    "car": {407, 436, 468, 511, 609, 627, 656, 661, 717, 751, 817},
    "boat": {403, 472, 484, 510, 554, 576, 625, 628, 724, 780, 814, 833, 871, 913, 914},
    "aircraft": {404, 405, 895, 908},
    "train": {466, 547, 565, 705, 820, 829},
    "rocket": {657, 744, 812},
    "food": _r(924, 965) - {958, 960} | {987},
    "fruit": _r(948, 957),
    "vegetable": _r(936, 946) | {987},
    "drink": {440, 441, 907, 966, 967, 969},
    "kitchenware": {
        469, 473, 499, 503, 504, 505, 512, 521, 534, 544, 550, 567, 572, 618, 647, 651, 659,
        666, 725, 760, 766, 809, 813, 827, 828, 849, 859, 868, 891, 899, 909, 910, 923, 968,
    },
    "plant": {738, 984, 985, 986, 988, 989, 990, 998},
    "flower": {984, 985, 986},
    "mushroom": {947} | _r(991, 997),
    "person": {981, 982, 983},
    "building": {
        410, 415, 424, 425, 437, 442, 449, 454, 467, 483, 497, 498, 500, 509, 538, 580, 582,
        624, 634, 660, 663, 668, 698, 727, 743, 762, 788, 832, 853, 858, 860, 865, 900, 915,
    },
    "structure": {460, 525, 536, 649, 682, 718, 821, 825, 839, 873, 888},
    "interior": {435, 598, 706, 794, 799, 861, 876, 884, 896, 904, 905},
    "furniture": {
        423, 431, 453, 492, 493, 495, 516, 520, 526, 532, 548, 553, 559, 564, 619, 648, 703,
        721, 736, 750, 765, 831, 846, 857, 894,
    },
    "clothing": {
        399, 400, 411, 433, 439, 445, 451, 452, 457, 459, 474, 501, 502, 514, 515, 568, 578,
        601, 608, 610, 614, 617, 630, 638, 639, 652, 655, 658, 667, 689, 697, 735, 770, 774,
        775, 796, 806, 808, 824, 834, 841, 842, 869, 887, 906,
    },
    "electronics": {
        480, 481, 482, 485, 487, 508, 527, 528, 530, 531, 590, 592, 605, 613, 620, 632, 650,
        662, 664, 673, 681, 688, 707, 713, 732, 742, 745, 754, 759, 761, 782, 810, 848, 851,
        878,
    },
    "screen": {527, 620, 664, 681, 782, 851, 916},
    "musical-instrument": {
        401, 402, 420, 432, 486, 494, 513, 541, 546, 558, 566, 577, 579, 593, 594, 641, 642,
        683, 684, 687, 699, 776, 822, 875, 881, 889,
    },
    "tool": {428, 462, 477, 488, 491, 587, 596, 600, 621, 677, 726, 731, 740, 769, 783, 784,
             792, 840},
    "sports-equipment": {
        416, 422, 429, 430, 522, 543, 560, 574, 602, 702, 722, 746, 747, 752, 768, 795, 805,
        852, 890,
    },
    "weapon": {413, 456, 471, 763, 764},
    "toy": {417, 611, 719, 723, 850},
    "text": {446, 458, 549, 916, 917, 918, 919, 921, 922},
    "landscape": {970, 972, 973, 974, 975, 976, 977, 978, 979, 980},
}

# Odd names in the label list that read badly as tags.
LABEL_OVERRIDES: dict[int, str] = {
    282: "tiger cat",
    638: "leotard",
    998: "ear of grain",
}

CONCEPTS: tuple[str, ...] = tuple(MEMBERS)


@cache
def concepts_of(index: int) -> tuple[str, ...]:
    """Every concept an ImageNet class belongs to, its parents included."""
    found = {name for name, members in MEMBERS.items() if index in members}
    found |= {PARENTS[name] for name in found if name in PARENTS}
    return tuple(sorted(found))


def clean_label(index: int, raw: str) -> str:
    """Turn a class name into a readable label: no parentheticals, the first alternative."""
    if index in LABEL_OVERRIDES:
        return LABEL_OVERRIDES[index]
    name = raw.split(" (")[0]
    for sep in (" / ", " or "):
        name = name.split(sep)[0]
    return name.strip()
