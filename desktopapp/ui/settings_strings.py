"""The words of the Settings and About dialogs and of the sample-photos offer (FR and EN).

Merged into `i18n_strings.STRINGS`, so `Translator` finds them like any other key.
"""

from __future__ import annotations

SETTINGS_STRINGS: dict[str, dict[str, str]] = {
    "fr": {
        "menu.settings": "&Paramètres…",
        "menu.help": "&Aide",
        "menu.about": "À &propos de PhotoLot",
        "settings.title": "Paramètres",
        "settings.general": "Général",
        "settings.processing": "Traitement des photos",
        "settings.language": "Langue :",
        "settings.language.system": "Celle du système ({name})",
        "settings.language.fr": "Français",
        "settings.language.en": "English",
        "settings.workers": "Photos traitées en parallèle :",
        "settings.workers.auto": "Automatique ({n})",
        "settings.workersHint": "Automatique : une par cœur du processeur. Moins laisse "
        "l'ordinateur plus disponible pendant un lot. De {min} à {max}.",
        "settings.analyzer": "Reconnaissance :",
        "settings.analyzer.detector": "Détection des objets (modèles intégrés)",
        "settings.analyzer.names": "Noms des dossiers et fichiers seulement",
        "settings.analyzerHint": "La détection repère les meubles sur chaque photo. Les noms "
        "seuls trient les photos par pièce, sans inventaire des objets, mais plus vite.",
        "settings.megapixels": "Taille maximale d'une photo :",
        "settings.megapixels.default": "Par défaut (179 Mpx)",
        "settings.megapixelsSuffix": " Mpx",
        "settings.megapixelsHint": "Les photos plus grandes sont refusées. De {min} à {max} "
        "mégapixels ; 210 accepte les capteurs de 200 Mpx.",
        "settings.port": "Port du serveur local :",
        "settings.port.any": "N'importe quel port libre",
        "settings.portHint": "Le navigateur ouvre PhotoLot sur http://127.0.0.1:PORT. Par "
        "défaut {default} (ou le suivant de libre). De {min} à {max}, ou 0 pour un port libre.",
        "settings.restartNote": "Les changements prennent effet au prochain démarrage de "
        "PhotoLot. Les options données en ligne de commande passent avant ces réglages.",
        "settings.file": "Enregistrés dans {path}",
        "settings.defaults": "Valeurs par défaut",
        "settings.invalid.workers": "Le nombre de photos en parallèle va de {min} à {max}.",
        "settings.invalid.port": "Le port doit valoir 0 (port libre) ou aller de {min} à {max}.",
        "settings.invalid.megapixels": "La taille maximale va de {min} à {max} mégapixels.",
        "settings.invalid.other": "Valeur refusée : {message}",
        "settings.saveError": "Les paramètres n'ont pas pu être enregistrés : {message}",
        "settings.saved": "Paramètres enregistrés : ils prendront effet au prochain démarrage "
        "de PhotoLot.",
        "settings.unchanged": "Paramètres inchangés.",
        "settings.restartTitle": "Redémarrer PhotoLot ?",
        "settings.restartBody": "Les nouveaux paramètres prendront effet au prochain démarrage "
        "de PhotoLot. Les lots en cours reprendront là où ils en étaient.",
        "settings.restartNow": "Redémarrer maintenant",
        "settings.restartLater": "Plus tard",
        "about.title": "À propos de PhotoLot",
        "about.version": "Version {version}",
        "about.licence": "PhotoLot est distribué sous licence MIT.",
        "about.dataDir": "Dossier des données :",
        "about.logFile": "Journal :",
        "about.server": "Serveur local :",
        "about.open": "Ouvrir",
        "about.components": "Composants intégrés et leurs licences",
        "about.models": "Modèles de détection d'objets",
        "about.modelLicenceFile": "Texte de la licence",
        "about.modelProvenance": "Provenance et modifications",
        "about.fonts": "Polices du rapport PDF",
        "about.fontsBody": "DejaVu Sans : licence Bitstream Vera, modifications de DejaVu "
        "dans le domaine public.",
        "about.samples": "Photos d'exemple",
        "about.qt": "Qt et PySide6",
        "about.qtBody": "Qt {qt} et PySide6 {pyside} (The Qt Company) : licence LGPLv3, "
        "bibliothèques utilisées sans modification et chargées dynamiquement. Sources : "
        "https://code.qt.io",
        "about.python": "Python",
        "about.pythonBody": "Python {version} : licence de la Python Software Foundation "
        "(PSF-2.0).",
        "about.packages": "Paquets Python",
        "about.col.package": "Paquet",
        "about.col.version": "Version",
        "about.col.licence": "Licence",
        "about.close": "Fermer",
        "about.missing": "(fichier absent)",
        "samples.offer": "Essayer avec des photos d'exemple",
        "samples.hint": "{n} photos d'un salon, d'une cuisine et d'une chambre, fournies avec "
        "PhotoLot.",
    },
    "en": {
        "menu.settings": "&Settings…",
        "menu.help": "&Help",
        "menu.about": "&About PhotoLot",
        "settings.title": "Settings",
        "settings.general": "General",
        "settings.processing": "Photo processing",
        "settings.language": "Language:",
        "settings.language.system": "The system's ({name})",
        "settings.language.fr": "Français",
        "settings.language.en": "English",
        "settings.workers": "Photos processed at once:",
        "settings.workers.auto": "Automatic ({n})",
        "settings.workersHint": "Automatic: one per processor core. Fewer keeps the computer "
        "more responsive during a batch. From {min} to {max}.",
        "settings.analyzer": "Recognition:",
        "settings.analyzer.detector": "Object detection (bundled models)",
        "settings.analyzer.names": "Folder and file names only",
        "settings.analyzerHint": "Detection finds the furniture in each photo. Names only "
        "sort the photos by room, with no item inventory, but faster.",
        "settings.megapixels": "Largest photo accepted:",
        "settings.megapixels.default": "Default (179 MP)",
        "settings.megapixelsSuffix": " MP",
        "settings.megapixelsHint": "Larger photos are refused. From {min} to {max} "
        "megapixels; 210 accepts 200 MP sensors.",
        "settings.port": "Local server port:",
        "settings.port.any": "Any free port",
        "settings.portHint": "The browser opens PhotoLot at http://127.0.0.1:PORT. Default "
        "{default} (or the next free one). From {min} to {max}, or 0 for any free port.",
        "settings.restartNote": "Changes take effect after restarting PhotoLot. Options given "
        "on the command line come before these settings.",
        "settings.file": "Saved in {path}",
        "settings.defaults": "Defaults",
        "settings.invalid.workers": "Photos processed at once: from {min} to {max}.",
        "settings.invalid.port": "The port must be 0 (any free port) or from {min} to {max}.",
        "settings.invalid.megapixels": "The largest photo goes from {min} to {max} megapixels.",
        "settings.invalid.other": "Value refused: {message}",
        "settings.saveError": "The settings could not be saved: {message}",
        "settings.saved": "Settings saved: they take effect after restarting PhotoLot.",
        "settings.unchanged": "Settings unchanged.",
        "settings.restartTitle": "Restart PhotoLot?",
        "settings.restartBody": "The new settings take effect after restarting PhotoLot. "
        "Batches still running carry on where they were.",
        "settings.restartNow": "Restart now",
        "settings.restartLater": "Later",
        "about.title": "About PhotoLot",
        "about.version": "Version {version}",
        "about.licence": "PhotoLot is released under the MIT licence.",
        "about.dataDir": "Data folder:",
        "about.logFile": "Log file:",
        "about.server": "Local server:",
        "about.open": "Open",
        "about.components": "Bundled components and their licences",
        "about.models": "Object detection models",
        "about.modelLicenceFile": "Licence text",
        "about.modelProvenance": "Provenance and changes",
        "about.fonts": "PDF report fonts",
        "about.fontsBody": "DejaVu Sans: Bitstream Vera licence, DejaVu's changes in the "
        "public domain.",
        "about.samples": "Sample photos",
        "about.qt": "Qt and PySide6",
        "about.qtBody": "Qt {qt} and PySide6 {pyside} (The Qt Company): LGPLv3, libraries "
        "used unmodified and loaded dynamically. Sources: https://code.qt.io",
        "about.python": "Python",
        "about.pythonBody": "Python {version}: Python Software Foundation License (PSF-2.0).",
        "about.packages": "Python packages",
        "about.col.package": "Package",
        "about.col.version": "Version",
        "about.col.licence": "Licence",
        "about.close": "Close",
        "about.missing": "(file missing)",
        "samples.offer": "Try with sample photos",
        "samples.hint": "{n} photos of a living room, a kitchen and a bedroom, shipped with "
        "PhotoLot.",
    },
}
