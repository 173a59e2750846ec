"""The published persuasion-technique inventories: SemEval-2023 Task 3 and SemEval-2020 Task 11.

One table, the only place these strings live. A codebook label names its
technique by the SemEval-2023 string (``Label.technique``); the SemEval-2020
name and the category come from here. SemEval-2020 merged some techniques
into one class ("Whataboutism,Straw_Men,Red_Herring"), so several 2023
techniques share a 2020 name, and six 2023 techniques have none (the 2020
scorer accepts only its 14 names).
"""

from dataclasses import dataclass

SCHEMES = ("2020", "2023")


@dataclass(frozen=True, slots=True)
class Technique:
    name: str  # the SemEval-2023 Task 3 string
    category: str  # one of the six SemEval-2023 categories
    semeval2020: str | None  # the SemEval-2020 Task 11 class, if that task had the technique


INVENTORY = (
    Technique("Name_Calling-Labeling", "attack on reputation", "Name_Calling,Labeling"),
    Technique("Guilt_by_Association", "attack on reputation", "Bandwagon,Reductio_ad_hitlerum"),
    Technique("Doubt", "attack on reputation", "Doubt"),
    Technique("Appeal_to_Hypocrisy", "attack on reputation", None),
    Technique("Questioning_the_Reputation", "attack on reputation", None),
    Technique("Flag_Waving", "justification", "Flag-Waving"),
    Technique("Appeal_to_Authority", "justification", "Appeal_to_Authority"),
    Technique("Appeal_to_Popularity", "justification", "Bandwagon,Reductio_ad_hitlerum"),
    Technique("Appeal_to_Values", "justification", None),
    Technique("Appeal_to_Fear-Prejudice", "justification", "Appeal_to_fear-prejudice"),
    Technique("Straw_Man", "distraction", "Whataboutism,Straw_Men,Red_Herring"),
    Technique("Red_Herring", "distraction", "Whataboutism,Straw_Men,Red_Herring"),
    Technique("Whataboutism", "distraction", "Whataboutism,Straw_Men,Red_Herring"),
    Technique("Causal_Oversimplification", "simplification", "Causal_Oversimplification"),
    Technique("False_Dilemma-No_Choice", "simplification", "Black-and-White_Fallacy"),
    Technique("Consequential_Oversimplification", "simplification", None),
    Technique("Slogans", "call", "Slogans"),
    Technique("Conversation_Killer", "call", "Thought-terminating_Cliches"),
    Technique("Appeal_to_Time", "call", None),
    Technique("Loaded_Language", "manipulative wording", "Loaded_Language"),
    Technique("Obfuscation-Vagueness-Confusion", "manipulative wording", None),
    Technique("Exaggeration-Minimisation", "manipulative wording", "Exaggeration,Minimisation"),
    Technique("Repetition", "manipulative wording", "Repetition"),
)
BY_NAME = {technique.name: technique for technique in INVENTORY}
SEMEVAL_2023 = tuple(technique.name for technique in INVENTORY)
# The 14 classes of SemEval-2020 Task 11, in the order of its techniques file.
SEMEVAL_2020 = (
    "Appeal_to_Authority", "Appeal_to_fear-prejudice", "Bandwagon,Reductio_ad_hitlerum", "Black-and-White_Fallacy",
    "Causal_Oversimplification", "Doubt", "Exaggeration,Minimisation", "Flag-Waving", "Loaded_Language",
    "Name_Calling,Labeling", "Repetition", "Slogans", "Thought-terminating_Cliches",
    "Whataboutism,Straw_Men,Red_Herring",
)

# The frames of SemEval-2023 Task 3 subtask 2 (after the Media Frames Corpus) that framing labels map to,
# and "Other" for a frame outside them.
FRAMES = (
    "Economic", "Capacity_and_resources", "Morality", "Fairness_and_equality",
    "Legality_Constitutionality_and_jurisprudence", "Policy_prescription_and_evaluation", "Crime_and_punishment",
    "Security_and_defense", "Health_and_safety", "Quality_of_life", "Cultural_identity", "Public_opinion",
    "Political", "External_regulation_and_reputation", "Other",
)
# Every string a label's technique may take.
LABEL_TECHNIQUES = (*SEMEVAL_2023, *FRAMES)


def scheme_name(technique, scheme):
    """Return the name a SemEval-2023 technique string has in a scheme ("2020" or "2023"), or None."""
    known = BY_NAME.get(technique)
    if known is None:
        return None
    return known.name if scheme == "2023" else known.semeval2020


def candidates(name, scheme):
    """Return the SemEval-2023 techniques a scheme's name stands for, in inventory order (empty if unknown)."""
    if scheme == "2023":
        return (name,) if name in BY_NAME else ()
    return tuple(technique.name for technique in INVENTORY if technique.semeval2020 == name)
