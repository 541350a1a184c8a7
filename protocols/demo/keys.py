"""Natural keys of the demo objects of the protocols layer, shared by every seeder that needs them."""

OLIVIERS_FINESS = "130012347"
PAYS_D_AIX_FINESS = "130012354"
BELLE_DE_MAI_FINESS = "130012362"
VAL_DE_L_ARC_FINESS = "130012370"
VAL_DE_LOIRE_FINESS = "370004566"

HTA_CODE = "LOC-PACA-HTA"
HTA_TITLE = "Suivi et adaptation du traitement de l'hypertension artérielle par l'infirmier ou le pharmacien"
POLLAKIURIE_CODE = "SNP-POLLAKIURIE"  # the national protocol the CPTS du Pays d'Aix adheres to (SNP forfait)
# Its declaration was filed on démarches-simplifiées, before PACA declared on the portal: a dossier number far above
# any the platform has given (numbers are sequential), so it names nobody's dossier.
POLLAKIURIE_DS_DOSSIER = 99_000_015
# The CPTS du Pays d'Aix's own local protocol, drafted for its AMI dossier (the AMI funds local protocols only).
PAYS_D_AIX_LOCAL_CODE = "LOC-AIX-DIABETE"
BELLE_DE_MAI_CODE = "LOC-PACA-VACCIN"  # a draft local protocol of the CDS (its AMI dossier is still a draft)
CVL_CODE = "LOC-CVL-BPCO"  # the CVL MSP's local protocol, behind the CVL dossier
