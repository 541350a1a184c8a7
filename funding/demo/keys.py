"""Natural keys of the demo objects of the funding layer, shared by every seeder that needs them."""

PACA_CAMPAIGN_TITLE = "AMI protocoles de coopération locaux 2025"
CVL_CAMPAIGN_TITLE = "AMI protocoles de coopération locaux 2025 — Centre-Val de Loire"

# Dossier references: AMI-<region>-<year>-<number>.
OLIVIERS_DOSSIER = "AMI-PACA-2025-001"  # submitted 2025-01-10, selected by the committee
PAYS_D_AIX_DOSSIER = "AMI-PACA-2025-002"  # submitted, waiting list
BELLE_DE_MAI_DOSSIER = "AMI-PACA-2025-003"  # draft
VAL_DE_L_ARC_DOSSIER = "AMI-PACA-2025-004"  # withdrawn
INADMISSIBLE_DOSSIER = "AMI-PACA-2025-005"  # inadmissible
CVL_DOSSIER = "AMI-CVL-2025-001"

OLIVIERS_GRANT = "SUB-PACA-2025-001"  # 2025-03-01 → 2027-12-31, €25, €7,000 a year
PAYS_D_AIX_SNP_LINE = "SNP-PACA-2025-001"  # SNP-POLLAKIURIE from 2025-01-15, €25 per patient, no cap
