/* PhotoLot web page: language, labels and small formatting helpers shared by both pages.
 * French for fr / fr-*, English otherwise (navigator.language). No dependencies. */
(function (global) {
  "use strict";

  var LANG = /^fr(-|$)/i.test(global.navigator.language || "") ? "fr" : "en";

  var STRINGS = {
    fr: {
      "app.name": "PhotoLot",
      "skip": "Aller aux photos",
      "nav.list": "Tous les lots",
      "batch.title": "Traitement du lot",
      "batch.docTitle": "Lot #{id}",
      "batch.project": "Projet {name}",
      "batch.created": "créé le {date}",
      "batch.photosDone": "{done}/{total} photos",
      "batch.progressLabel": "Progression du lot",
      "batch.progressText": "{percent} — {done} sur {total} photos traitées",
      "batch.badId": "Adresse de lot invalide.",
      "status.QUEUED": "EN ATTENTE",
      "status.PROCESSING": "EN COURS",
      "status.COMPLETED": "TERMINÉ",
      "status.PARTIAL": "PARTIEL",
      "status.FAILED": "ÉCHOUÉ",
      "status.UNKNOWN": "…",
      "count.queued": "En attente",
      "count.processing": "En cours",
      "count.completed": "Réussies",
      "count.failed": "Échouées",
      "conn.connecting": "Connexion en cours…",
      "conn.live": "Temps réel actif · mis à jour {time}",
      "conn.reconnecting": "Connexion perdue, reconnexion {n}/{max}…",
      "conn.error": "Connexion impossible au suivi en temps réel.",
      "conn.finished": "Traitement terminé · mis à jour {time}",
      "conn.retry": "Réessayer",
      "action.back": "Retour à la liste",
      "action.retryFailed": "Relancer les échecs",
      "action.retrying": "Relance…",
      "action.retryFailedDone": { one: "{n} photo relancée.", other: "{n} photos relancées." },
      "action.retryFailedError": "La relance a échoué : {message}",
      "action.retryNone": "Aucune photo relancée.",
      "action.retryKept": { one: "{n} ne peut pas être relancée : {list}.", other: "{n} ne peuvent pas être relancées : {list}." },
      "action.retryPermanent": "Ces échecs ne changeront pas en relançant : corrigez ou remplacez les fichiers.",
      "retry.not_an_image": "ce n'est pas une image",
      "retry.unsupported": "format non pris en charge",
      "retry.empty_file": "fichier vide",
      "retry.too_large": "image trop grande",
      "retry.too_small": "image trop petite",
      "action.export": "Exporter en CSV",
      "action.exportPdf": "Exporter en PDF",
      "photos.heading": "Photos",
      "photos.empty": "Aucune photo dans ce lot.",
      "photos.none": "Aucune photo dans cette catégorie.",
      "filter.label": "Filtrer les photos",
      "filter.all": "Toutes",
      "filter.ERROR": "Échecs",
      "filter.PROCESSING": "En cours",
      "filter.PENDING": "En attente",
      "filter.DONE": "Réussies",
      "photo.PENDING": "En attente",
      "photo.PROCESSING": "Traitement…",
      "photo.DONE": "OK",
      "photo.ERROR": "Échec",
      "photo.RETRYING": "Nouvel essai…",
      "photo.items": { one: "{n} objet", other: "{n} objets" },
      "photo.attempts": "essai {n}",
      "photo.duplicateOf": "Ressemble à {name}",
      "flag.blurry": "Floue",
      "flag.too_dark": "Trop sombre",
      "flag.near_duplicate": "Quasi-doublon",
      "room.unknown": "Pièce non reconnue",
      "summary.heading": "Inventaire",
      "summary.totalItems": "Objets",
      "summary.totalVolume": "Volume des meubles",
      "summary.rooms": "Pièces",
      "summary.room": "Pièce",
      "summary.photos": "Photos",
      "summary.items": "Objets",
      "summary.volume": "Volume (m³)",
      "summary.packed": "Emballé (m³)",
      "summary.totalPacked": "Volume emballé",
      "summary.total": "Total",
      "summary.analyzer": "Analyse : {name}",
      "summary.caption": "Inventaire par pièce",
      "summary.live": "Provisoire · se complète pendant le traitement",
      "summary.liveUnknown": { one: "Provisoire · volume de {n} objet à venir", other: "Provisoire · volumes de {n} objets à venir" },
      "summary.noItems": "Aucun objet repéré",
      "item.fragile": "Fragile",
      "item.dismountable": "Démontable",
      "item.builtIn": "Intégré · non déménagé",
      "item.quantity": "{name} ×{n}",
      "room.fromFolder": "d'après le nom du dossier",
      "room.fromFile": "d'après le nom du fichier",
      "room.fromItems": "d'après les objets vus",
      "room.cueName": "Reconnu dans « {cue} »",
      "room.cueItem": "Déduit de : {item}",
      "room.fromHand": "corrigée à la main",
      "room.detectedAs": "Détectée : {room}",
      "photo.excluded": "Exclue de l'inventaire",
      "review.toolbar": "Corrections",
      "review.undo": "Annuler",
      "review.redo": "Rétablir",
      "review.undoWhat": "Annuler : {what}",
      "review.redoWhat": "Rétablir : {what}",
      "review.undoKey": "Annuler (Ctrl+Z)",
      "review.redoKey": "Rétablir (Ctrl+Maj+Z)",
      "review.count": { one: "{n} correction", other: "{n} corrections" },
      "review.delete": "Supprimer le lot…",
      "review.deleteTitle": "Supprimer ce lot ?",
      "review.deleteText": { one: "« {name} » et sa photo seront supprimés de PhotoLot. Cette action est définitive.", other: "« {name} » et ses {n} photos seront supprimés de PhotoLot. Cette action est définitive." },
      "review.deleteConfirm": "Supprimer",
      "review.refused": "Modification refusée : {message}",
      "review.save": "Enregistrer",
      "review.cancel": "Annuler",
      "review.close": "Fermer",
      "review.renameBatch": "Renommer le lot",
      "review.batchName": "Nom du lot",
      "review.renameRoom": "Renommer la pièce {name}",
      "review.roomName": "Nom de la pièce",
      "review.detected": "détecté : {n}",
      "review.notMovingLabel": "Déménagé ?",
      "review.packedByLabel": "Emballé par",
      "review.quantity": "Quantité : {name}",
      "review.less": "Un de moins : {name}",
      "review.more": "Un de plus : {name}",
      "review.addItem": "Ajouter un objet",
      "review.mergeInto": "Fusionner dans…",
      "review.mergeLabel": "Fusionner la pièce {name} dans une autre",
      "review.searchPlaceholder": "Chercher dans le catalogue : chaise, armoire…",
      "review.searchLabel": "Chercher un objet du catalogue",
      "review.addQuantity": "Quantité à ajouter",
      "review.results": "Objets du catalogue",
      "review.noResult": "Aucun objet du catalogue ne correspond.",
      "review.customOpen": "Objet hors catalogue…",
      "review.customName": "Nom de l'objet",
      "review.customVolume": "Volume (m³)",
      "review.add": "Ajouter",
      "review.photoRoom": "Pièce…",
      "review.photoRoomNamed": "Changer la pièce de {name}",
      "review.exclude": "Exclure",
      "review.include": "Réintégrer",
      "review.excludeNamed": "Exclure {name} de l'inventaire",
      "review.includeNamed": "Réintégrer {name} dans l'inventaire",
      "review.pick": "Sélectionner {name}",
      "review.selection": "Photos sélectionnées",
      "review.selected": { one: "{n} photo sélectionnée", other: "{n} photos sélectionnées" },
      "review.moveTo": "Déplacer vers",
      "review.moveChoose": "Choisir une pièce…",
      "review.roomsOfBatch": "Pièces du lot",
      "review.roomTypes": "Nouvelle pièce",
      "review.move": "Déplacer",
      "review.clearSelection": "Tout désélectionner",
      "source.hand": "ajouté à la main",
      "source.corrected": "corrigé",
      "notMoving.moving": "Déménagé",
      "notMoving.sold": "Vendu",
      "notMoving.given": "Donné",
      "notMoving.stays": "Reste sur place",
      "packedBy.mover": "Emballage : déménageur",
      "packedBy.customer": "Emballage : client",
      "kind.photo.room": "déplacer des photos",
      "kind.photo.exclude": "exclure des photos",
      "kind.photo.include": "réintégrer des photos",
      "kind.photo.item": "modifier les objets d'une photo",
      "kind.photo.relabel": "corriger un objet d'une photo",
      "kind.room.rename": "renommer la pièce",
      "kind.room.merge": "fusionner les pièces",
      "kind.room.item": "modifier une quantité",
      "kind.room.itemRemove": "retirer un objet",
      "kind.room.flags": "modifier les options d'un objet",
      "kind.batch.header": "modifier le déménagement",
      "kind.batch.rename": "renommer le lot",
      "move.heading": "Déménagement",
      "move.customer": "Client",
      "move.date": "Date du déménagement",
      "move.from": "Départ",
      "move.to": "Arrivée",
      "move.address": "Adresse",
      "move.floor": "Étage",
      "move.lift": "Ascenseur",
      "move.liftUnknown": "Non précisé",
      "move.liftYes": "Oui",
      "move.liftNo": "Non",
      "move.notes": "Notes",
      "move.save": "Enregistrer",
      "flag.no_analyzer": "Sans détection",
      "flag.detector_failed": "Détection en échec",
      "viewer.open": "Voir {name}",
      "viewer.close": "Fermer",
      "viewer.prev": "Photo précédente",
      "viewer.next": "Photo suivante",
      "viewer.position": "{n} sur {total}",
      "viewer.unboxed": "Sans cadre sur la photo :",
      "viewer.noItems": "Aucun objet repéré sur cette photo.",
      "viewer.boxes": { one: "{n} objet encadré", other: "{n} objets encadrés" },
      "viewer.loading": "Chargement de l'aperçu…",
      "viewer.loadError": "L'aperçu n'a pas pu être chargé.",
      "viewer.hint": "← → photo précédente ou suivante · Échap pour fermer",
      "viewer.boxLabel": "{name} {confidence}",
      "photoItems.heading": "Objets sur cette photo",
      "photoItems.empty": "Aucun objet sur cette photo.",
      "photoItems.source.detector": "détecté",
      "photoItems.source.hand": "ajouté à la main",
      "photoItems.source.relabeled": "remplacé",
      "photoItems.source.corrected": "corrigé",
      "photoItems.relabeledFrom": "Remplace : {name}",
      "photoItems.detected": "Détecté : {items}",
      "photoItems.detectedNone": "Détecté : aucun objet",
      "photoItems.relabel": "Remplacer…",
      "photoItems.relabelNamed": "Remplacer {name} par un autre objet du catalogue",
      "photoItems.relabelTitle": "Remplacer « {name} » par :",
      "photoItems.remove": "Retirer {name} de cette photo",
      "photoItems.add": "Ajouter un objet vu sur cette photo",
      "photoItems.addShort": "Ajouter un objet vu ici",
      "photoItems.locked": "Les objets se corrigent une fois la photo analysée.",
      "photoItems.excluded": "Photo exclue : ses objets ne comptent pas dans l'inventaire.",
      "intake.notices": "Remarques",
      "notice.identical": { one: "{n} fichier identique de ce dépôt n'a été compté qu'une fois.", other: "{n} fichiers identiques de ce dépôt n'ont été comptés qu'une fois." },
      "intake.skipped": { one: "{n} fichier ignoré à l'import", other: "{n} fichiers ignorés à l'import" },
      "debug.heading": "Débogage : événements reçus",
      "debug.type": "Type",
      "debug.id": "Id",
      "debug.time": "Heure",
      "debug.size": "Taille",
      "debug.totals": "Événements : {n}, {bytes}, dernier id : {id}, reconnexions : {reconnects}",
      "announce.status": "Statut du lot : {status}.",
      "announce.final": "Lot terminé, statut {status} : {completed} réussies, {failed} échouées.",
      "announce.connError": "Le suivi en temps réel est interrompu.",
      "announce.live": "Suivi en temps réel connecté.",
      "index.title": "Vos lots de photos",
      "index.lead": "Déposez les photos d'un logement : PhotoLot les trie par pièce et dresse l'inventaire, en direct.",
      "upload.heading": "Nouveau lot",
      "upload.drop": "Déposez des photos ou des dossiers n'importe où sur la page",
      "upload.or": "ou",
      "upload.pickFiles": "Choisir des photos",
      "upload.pickFolder": "Choisir un dossier",
      "upload.project": "Projet (facultatif)",
      "upload.projectPlaceholder": "ex. Déménagement Dupont",
      "upload.hint": "JPEG, PNG, HEIC/HEIF, AVIF, WebP… Des noms comme « salon-1.jpg » ou « cuisine.heic » aident à reconnaître les pièces.",
      "upload.overlay": "Lâchez pour créer un nouveau lot",
      "upload.sending": { one: "Envoi de {n} fichier… {percent}", other: "Envoi de {n} fichiers… {percent}" },
      "upload.bytes": "{sent} sur {total}",
      "upload.processing": "Fichiers reçus, création du lot…",
      "upload.cancel": "Annuler",
      "upload.cancelled": "Envoi annulé.",
      "upload.done": { one: "Lot #{id} créé avec {n} photo. Ouverture…", other: "Lot #{id} créé avec {n} photos. Ouverture…" },
      "upload.tooLarge": "Envoi refusé : les fichiers sont trop volumineux pour un seul envoi. Envoyez-les en plusieurs fois.",
      "upload.nothing": "Aucun des fichiers n'est une photo que PhotoLot sait lire.",
      "upload.busy": "Le serveur est occupé. Réessayez dans {s} s.",
      "upload.network": "L'envoi a été interrompu (connexion perdue, ou envoi trop volumineux).",
      "upload.failed": "L'envoi a échoué ({status}) : {message}",
      "upload.readFolder": "Lecture du dossier…",
      "upload.empty": "Aucun fichier à envoyer.",
      "list.heading": "Lots récents",
      "list.empty": "Aucun lot pour l'instant. Déposez des photos pour commencer.",
      "list.loading": "Chargement…",
      "list.error": "Impossible de charger la liste des lots : {message}",
      "list.reload": "Recharger",
      "list.batch": "Lot #{id}",
      "list.photos": { one: "{n} photo", other: "{n} photos" },
      "list.completed": { one: "{n} réussie", other: "{n} réussies" },
      "list.failed": { one: "{n} échec", other: "{n} échecs" },
      "list.pending": { one: "{n} en attente", other: "{n} en attente" },
      "list.open": "Ouvrir le lot #{id}",
      "list.conn.connecting": "Connexion…",
      "list.conn.live": "En direct",
      "list.conn.reconnecting": "Connexion perdue, reconnexion…",
      "list.conn.offline": "Mises à jour en direct interrompues",
      "error.corrupt": "L'image est endommagée et ne peut pas être ouverte.",
      "error.truncated": "Le fichier est incomplet ; il a peut-être été coupé pendant la copie.",
      "error.empty_file": "Le fichier est vide : il ne contient aucune image.",
      "error.not_an_image": "Ce fichier n'est pas une image, ou pas un format reconnu.",
      "error.too_large": "L'image est trop grande pour être traitée.",
      "error.too_small": "L'image est trop petite pour être analysée.",
      "error.unsupported": "Ce format d'image n'est pas accepté : utilisez JPEG, PNG, HEIC, WEBP, AVIF, TIFF, BMP ou GIF.",
      "error.source_missing": "Le fichier d'origine n'est plus là (déplacé, renommé ou disque déconnecté).",
      "error.unreadable": "Le fichier ne peut pas être lu : vérifiez les droits d'accès.",
      "error.io_error": "Le fichier n'a pas pu être lu à cause d'un problème de disque ou de réseau.",
      "error.disk_full": "Le disque est plein : libérez de la place puis relancez les échecs.",
      "error.internal_error": "Erreur inattendue sur cette photo. Réessayez ; si elle persiste, signalez-la.",
      "skip.hidden": "fichier caché ou système",
      "skip.not_an_image": "ce n'est pas une image",
      "skip.unreadable": "illisible",
      "skip.not_found": "introuvable",
      "skip.special_file": "pas un fichier ordinaire",
      "skip.duplicate": "doublon",
      "skip.too_large": "trop volumineux",
      "skip.unsupported": "format non pris en charge",
      "size.B": "o", "size.KB": "Ko", "size.MB": "Mo", "size.GB": "Go"
    },
    en: {
      "app.name": "PhotoLot",
      "skip": "Skip to photos",
      "nav.list": "All batches",
      "batch.title": "Batch processing",
      "batch.docTitle": "Batch #{id}",
      "batch.project": "Project {name}",
      "batch.created": "created {date}",
      "batch.photosDone": "{done}/{total} photos",
      "batch.progressLabel": "Batch progress",
      "batch.progressText": "{percent} — {done} of {total} photos processed",
      "batch.badId": "This is not a valid batch address.",
      "status.QUEUED": "QUEUED",
      "status.PROCESSING": "PROCESSING",
      "status.COMPLETED": "COMPLETED",
      "status.PARTIAL": "PARTIAL",
      "status.FAILED": "FAILED",
      "status.UNKNOWN": "…",
      "count.queued": "Queued",
      "count.processing": "Processing",
      "count.completed": "Done",
      "count.failed": "Failed",
      "conn.connecting": "Connecting…",
      "conn.live": "Live · updated {time}",
      "conn.reconnecting": "Connection lost, reconnecting {n}/{max}…",
      "conn.error": "Could not connect to the live progress stream.",
      "conn.finished": "Finished · updated {time}",
      "conn.retry": "Retry",
      "action.back": "Back to the list",
      "action.retryFailed": "Retry failed photos",
      "action.retrying": "Retrying…",
      "action.retryFailedDone": { one: "{n} photo queued again.", other: "{n} photos queued again." },
      "action.retryFailedError": "Retry failed: {message}",
      "action.retryNone": "No photo queued again.",
      "action.retryKept": { one: "{n} cannot be retried: {list}.", other: "{n} cannot be retried: {list}." },
      "action.retryPermanent": "Retrying will not change these failures: fix or replace the files.",
      "retry.not_an_image": "not a picture",
      "retry.unsupported": "unsupported format",
      "retry.empty_file": "empty file",
      "retry.too_large": "image too large",
      "retry.too_small": "image too small",
      "action.export": "Export CSV",
      "action.exportPdf": "Export PDF",
      "photos.heading": "Photos",
      "photos.empty": "This batch has no photos.",
      "photos.none": "No photo in this category.",
      "filter.label": "Filter photos",
      "filter.all": "All",
      "filter.ERROR": "Failed",
      "filter.PROCESSING": "Processing",
      "filter.PENDING": "Queued",
      "filter.DONE": "Done",
      "photo.PENDING": "Queued",
      "photo.PROCESSING": "Processing…",
      "photo.DONE": "Done",
      "photo.ERROR": "Failed",
      "photo.RETRYING": "Retrying…",
      "photo.items": { one: "{n} item", other: "{n} items" },
      "photo.attempts": "attempt {n}",
      "photo.duplicateOf": "Looks like {name}",
      "flag.blurry": "Blurry",
      "flag.too_dark": "Too dark",
      "flag.near_duplicate": "Near duplicate",
      "room.unknown": "Room not recognised",
      "summary.heading": "Inventory",
      "summary.totalItems": "Items",
      "summary.totalVolume": "Furniture volume",
      "summary.rooms": "Rooms",
      "summary.room": "Room",
      "summary.photos": "Photos",
      "summary.items": "Items",
      "summary.volume": "Volume (m³)",
      "summary.packed": "Packed (m³)",
      "summary.totalPacked": "Packed volume",
      "summary.total": "Total",
      "summary.analyzer": "Analyzer: {name}",
      "summary.caption": "Inventory by room",
      "summary.live": "Provisional · fills in while the batch runs",
      "summary.liveUnknown": { one: "Provisional · volume of {n} item to come", other: "Provisional · volumes of {n} items to come" },
      "summary.noItems": "No items found",
      "item.fragile": "Fragile",
      "item.dismountable": "Dismountable",
      "item.builtIn": "Built-in · not moved",
      "item.quantity": "{name} ×{n}",
      "room.fromFolder": "from folder name",
      "room.fromFile": "from file name",
      "room.fromItems": "from objects seen",
      "room.cueName": "Matched in “{cue}”",
      "room.cueItem": "Because of: {item}",
      "room.fromHand": "corrected by hand",
      "room.detectedAs": "Detected: {room}",
      "photo.excluded": "Excluded from the inventory",
      "review.toolbar": "Corrections",
      "review.undo": "Undo",
      "review.redo": "Redo",
      "review.undoWhat": "Undo: {what}",
      "review.redoWhat": "Redo: {what}",
      "review.undoKey": "Undo (Ctrl+Z)",
      "review.redoKey": "Redo (Ctrl+Shift+Z)",
      "review.count": { one: "{n} correction", other: "{n} corrections" },
      "review.delete": "Delete the batch…",
      "review.deleteTitle": "Delete this batch?",
      "review.deleteText": { one: "“{name}” and its photo will be removed from PhotoLot. This cannot be undone.", other: "“{name}” and its {n} photos will be removed from PhotoLot. This cannot be undone." },
      "review.deleteConfirm": "Delete",
      "review.refused": "Change refused: {message}",
      "review.save": "Save",
      "review.cancel": "Cancel",
      "review.close": "Close",
      "review.renameBatch": "Rename the batch",
      "review.batchName": "Batch name",
      "review.renameRoom": "Rename the room {name}",
      "review.roomName": "Room name",
      "review.detected": "detected: {n}",
      "review.notMovingLabel": "Moving?",
      "review.packedByLabel": "Packed by",
      "review.quantity": "Quantity: {name}",
      "review.less": "One less: {name}",
      "review.more": "One more: {name}",
      "review.addItem": "Add an item",
      "review.mergeInto": "Merge into…",
      "review.mergeLabel": "Merge the room {name} into another",
      "review.searchPlaceholder": "Search the catalogue: chair, wardrobe…",
      "review.searchLabel": "Search an item in the catalogue",
      "review.addQuantity": "Quantity to add",
      "review.results": "Catalogue items",
      "review.noResult": "No catalogue item matches.",
      "review.customOpen": "Item of my own…",
      "review.customName": "Item name",
      "review.customVolume": "Volume (m³)",
      "review.add": "Add",
      "review.photoRoom": "Room…",
      "review.photoRoomNamed": "Change the room of {name}",
      "review.exclude": "Exclude",
      "review.include": "Include",
      "review.excludeNamed": "Exclude {name} from the inventory",
      "review.includeNamed": "Include {name} in the inventory again",
      "review.pick": "Select {name}",
      "review.selection": "Selected photos",
      "review.selected": { one: "{n} photo selected", other: "{n} photos selected" },
      "review.moveTo": "Move to",
      "review.moveChoose": "Choose a room…",
      "review.roomsOfBatch": "Rooms of the batch",
      "review.roomTypes": "New room",
      "review.move": "Move",
      "review.clearSelection": "Clear the selection",
      "source.hand": "added by hand",
      "source.corrected": "corrected",
      "notMoving.moving": "Moving",
      "notMoving.sold": "Sold",
      "notMoving.given": "Given away",
      "notMoving.stays": "Stays",
      "packedBy.mover": "Packing: mover",
      "packedBy.customer": "Packing: customer",
      "kind.photo.room": "move photos",
      "kind.photo.exclude": "exclude photos",
      "kind.photo.include": "include photos",
      "kind.photo.item": "change a photo's items",
      "kind.photo.relabel": "correct a photo's item",
      "kind.room.rename": "rename the room",
      "kind.room.merge": "merge the rooms",
      "kind.room.item": "change a quantity",
      "kind.room.itemRemove": "remove an item",
      "kind.room.flags": "change an item's options",
      "kind.batch.header": "edit the move details",
      "kind.batch.rename": "rename the batch",
      "move.heading": "Move",
      "move.customer": "Customer",
      "move.date": "Moving date",
      "move.from": "From",
      "move.to": "To",
      "move.address": "Address",
      "move.floor": "Floor",
      "move.lift": "Lift",
      "move.liftUnknown": "Not known",
      "move.liftYes": "Yes",
      "move.liftNo": "No",
      "move.notes": "Notes",
      "move.save": "Save",
      "flag.no_analyzer": "No detection",
      "flag.detector_failed": "Detection failed",
      "viewer.open": "View {name}",
      "viewer.close": "Close",
      "viewer.prev": "Previous photo",
      "viewer.next": "Next photo",
      "viewer.position": "{n} of {total}",
      "viewer.unboxed": "Not located on the photo:",
      "viewer.noItems": "No items found on this photo.",
      "viewer.boxes": { one: "{n} item outlined", other: "{n} items outlined" },
      "viewer.loading": "Loading the preview…",
      "viewer.loadError": "The preview could not be loaded.",
      "viewer.hint": "← → previous or next photo · Esc to close",
      "viewer.boxLabel": "{name} {confidence}",
      "photoItems.heading": "Items in this photo",
      "photoItems.empty": "No item in this photo.",
      "photoItems.source.detector": "detected",
      "photoItems.source.hand": "added by hand",
      "photoItems.source.relabeled": "replaced",
      "photoItems.source.corrected": "corrected",
      "photoItems.relabeledFrom": "Replaces: {name}",
      "photoItems.detected": "Detected: {items}",
      "photoItems.detectedNone": "Detected: no item",
      "photoItems.relabel": "Replace…",
      "photoItems.relabelNamed": "Replace {name} with another catalogue item",
      "photoItems.relabelTitle": "Replace “{name}” with:",
      "photoItems.remove": "Remove {name} from this photo",
      "photoItems.add": "Add an item seen in this photo",
      "photoItems.addShort": "Add an item seen here",
      "photoItems.locked": "Items can be corrected once the photo is analysed.",
      "photoItems.excluded": "Excluded photo: its items do not count in the inventory.",
      "intake.notices": "Notes",
      "notice.identical": { one: "{n} identical file in this drop was counted once.", other: "{n} identical files in this drop were counted once." },
      "intake.skipped": { one: "{n} file skipped at import", other: "{n} files skipped at import" },
      "debug.heading": "Debug: received events",
      "debug.type": "Type",
      "debug.id": "Id",
      "debug.time": "Time",
      "debug.size": "Size",
      "debug.totals": "Events: {n}, {bytes}, last id: {id}, reconnects: {reconnects}",
      "announce.status": "Batch status: {status}.",
      "announce.final": "Batch finished, status {status}: {completed} done, {failed} failed.",
      "announce.connError": "Live progress is interrupted.",
      "announce.live": "Live progress connected.",
      "index.title": "Your photo batches",
      "index.lead": "Drop the photos of a home: PhotoLot sorts them by room and builds the inventory, live.",
      "upload.heading": "New batch",
      "upload.drop": "Drop photos or folders anywhere on this page",
      "upload.or": "or",
      "upload.pickFiles": "Choose photos",
      "upload.pickFolder": "Choose a folder",
      "upload.project": "Project (optional)",
      "upload.projectPlaceholder": "e.g. Smith move",
      "upload.hint": "JPEG, PNG, HEIC/HEIF, AVIF, WebP… Names like “living-room-1.jpg” or “kitchen.heic” help recognise rooms.",
      "upload.overlay": "Drop to create a new batch",
      "upload.sending": { one: "Sending {n} file… {percent}", other: "Sending {n} files… {percent}" },
      "upload.bytes": "{sent} of {total}",
      "upload.processing": "Files received, creating the batch…",
      "upload.cancel": "Cancel",
      "upload.cancelled": "Upload cancelled.",
      "upload.done": { one: "Batch #{id} created with {n} photo. Opening…", other: "Batch #{id} created with {n} photos. Opening…" },
      "upload.tooLarge": "Upload refused: the files are too large for one upload. Send them in several goes.",
      "upload.nothing": "None of the files is a photo PhotoLot can read.",
      "upload.busy": "The server is busy. Try again in {s} s.",
      "upload.network": "The upload was interrupted (connection lost, or the upload is too large).",
      "upload.failed": "Upload failed ({status}): {message}",
      "upload.readFolder": "Reading the folder…",
      "upload.empty": "No file to send.",
      "list.heading": "Recent batches",
      "list.empty": "No batch yet. Drop some photos to start.",
      "list.loading": "Loading…",
      "list.error": "Could not load the batches: {message}",
      "list.reload": "Reload",
      "list.batch": "Batch #{id}",
      "list.photos": { one: "{n} photo", other: "{n} photos" },
      "list.completed": { one: "{n} done", other: "{n} done" },
      "list.failed": { one: "{n} failed", other: "{n} failed" },
      "list.pending": { one: "{n} left", other: "{n} left" },
      "list.open": "Open batch #{id}",
      "list.conn.connecting": "Connecting…",
      "list.conn.live": "Live",
      "list.conn.reconnecting": "Connection lost, reconnecting…",
      "list.conn.offline": "Live updates stopped",
      "error.disk_full": "The disk is full: free some space, then retry the failed photos.",
      "skip.hidden": "hidden or system file",
      "skip.not_an_image": "not a picture",
      "skip.unreadable": "unreadable",
      "skip.not_found": "not found",
      "skip.special_file": "not a regular file",
      "skip.duplicate": "duplicate",
      "skip.too_large": "too large",
      "skip.unsupported": "unsupported format",
      "size.B": "B", "size.KB": "KB", "size.MB": "MB", "size.GB": "GB"
    }
  };

  var ROOMS = {
    fr: {
      living_room: "Salon", bedroom: "Chambre", kitchen: "Cuisine", bathroom: "Salle de bain",
      dining_room: "Salle à manger", office: "Bureau", hall: "Entrée", garage: "Garage",
      cellar: "Cave", attic: "Grenier", laundry: "Buanderie", garden: "Extérieur",
      kids_room: "Chambre d'enfant", storage: "Débarras", unknown: "Pièce non reconnue"
    },
    en: {
      living_room: "Living room", bedroom: "Bedroom", kitchen: "Kitchen", bathroom: "Bathroom",
      dining_room: "Dining room", office: "Office", hall: "Hall", garage: "Garage",
      cellar: "Cellar", attic: "Attic", laundry: "Laundry", garden: "Outdoors",
      kids_room: "Kids' room", storage: "Storage", unknown: "Room not recognised"
    }
  };

  function has(key) {
    return Object.prototype.hasOwnProperty.call(STRINGS[LANG], key);
  }

  var plurals = new Intl.PluralRules(LANG);

  /** t("conn.live", {time: "12:00:00"}) → the string in the page language. Strings with
   * plural forms ({one, other}) pick theirs from vars.n (Intl.PluralRules: 0 is "one" in French). */
  function t(key, vars) {
    var text = has(key) ? STRINGS[LANG][key] : (STRINGS.en[key] !== undefined ? STRINGS.en[key] : key);
    if (typeof text === "object") {
      var n = vars && vars.n !== undefined ? Number(String(vars.n).replace(/[^0-9.-]/g, "")) : 0;
      text = text[plurals.select(n)] || text.other;
    }
    if (vars) {
      text = text.replace(/\{(\w+)\}/g, function (whole, name) {
        return vars[name] !== undefined && vars[name] !== null ? String(vars[name]) : whole;
      });
    }
    return text;
  }

  /** Fill [data-i18n] text and [data-i18n-aria-label] / [data-i18n-title] attributes. */
  function applyI18n(root) {
    root = root || global.document;
    var nodes = root.querySelectorAll("[data-i18n]");
    for (var i = 0; i < nodes.length; i++) nodes[i].textContent = t(nodes[i].getAttribute("data-i18n"));
    ["aria-label", "title", "placeholder"].forEach(function (attr) {
      var withAttr = root.querySelectorAll("[data-i18n-" + attr + "]");
      for (var j = 0; j < withAttr.length; j++) {
        withAttr[j].setAttribute(attr, t(withAttr[j].getAttribute("data-i18n-" + attr)));
      }
    });
    global.document.documentElement.lang = LANG;
  }

  function statusLabel(status) {
    var key = "status." + status;
    return STRINGS[LANG][key] || STRINGS.en[key] || String(status || "…");
  }

  function roomLabel(roomType) {
    if (!roomType || roomType === "unknown") return t("room.unknown");
    var known = ROOMS[LANG][roomType];
    if (known) return known;
    var words = String(roomType).replace(/_/g, " ");
    return words.charAt(0).toUpperCase() + words.slice(1);
  }

  /** A room as people name it: the folder that named it ("Chambre 2"), else its type. */
  function roomDisplay(roomType, roomName) {
    return roomName ? String(roomName) : roomLabel(roomType);
  }

  function flagLabel(flag) {
    var key = "flag." + flag;
    return STRINGS[LANG][key] || STRINGS.en[key] || String(flag).replace(/_/g, " ");
  }

  /** A photo's error in the page language: a translation of the stable code (French), else the server's text. */
  function photoError(code, message) {
    if (LANG !== "en" && code && has("error." + code)) {
      // keep the figures the server's sentence carries, e.g. "(20 x 20 pixels)"
      var size = /\((\d+) x (\d+) pixels\)/.exec(message || "");
      return t("error." + code) + (size ? " (" + size[1] + " × " + size[2] + " pixels)" : "");
    }
    return message || (code && STRINGS.en["error." + code]) || code || "";
  }

  /** "not_an_image: the content is…" → {code, label, detail}: the label translated when known. */
  function skipReason(reason) {
    var text = String(reason || "");
    var match = /^([a-z_]+):\s*(.*)$/.exec(text);
    if (!match) return { code: "", label: text, detail: "" };
    var code = match[1];
    var key = "skip." + code;
    var label = STRINGS[LANG][key] || STRINGS.en[key] || code.replace(/_/g, " ");
    return { code: code, label: label, detail: match[2] };
  }

  /** Intake notices come in English; the known ones are translated. */
  function notice(text) {
    var identical = /^(\d+) identical file\(s\) in this drop were counted once\.$/.exec(String(text));
    if (identical) return t("notice.identical", { n: Number(identical[1]) });
    return String(text);
  }

  function pad2(n) {
    return (n < 10 ? "0" : "") + n;
  }

  /** Always 24-hour HH:MM:SS, whatever the locale. */
  function clock(date) {
    date = date || new Date();
    return pad2(date.getHours()) + ":" + pad2(date.getMinutes()) + ":" + pad2(date.getSeconds());
  }

  var numberFormat = new Intl.NumberFormat(LANG);
  var volumeFormat = new Intl.NumberFormat(LANG, { minimumFractionDigits: 1, maximumFractionDigits: 2 });
  var percentFormat = new Intl.NumberFormat(LANG, { style: "percent", maximumFractionDigits: 0 });
  var dateFormat = new Intl.DateTimeFormat(LANG, { dateStyle: "medium", timeStyle: "short" });

  function number(n) {
    return numberFormat.format(Number(n) || 0);
  }

  function volume(m3) {
    return volumeFormat.format(Number(m3) || 0) + " m³";
  }

  function percent(value) {
    return percentFormat.format((Number(value) || 0) / 100);
  }

  var cellFormat = new Intl.NumberFormat(LANG, { minimumFractionDigits: 2, maximumFractionDigits: 2 });

  /** A volume in m³ without its unit, always two decimals (right-aligned table cells under
   * a "(m³)" heading). */
  function decimal(m3) {
    return cellFormat.format(Number(m3) || 0);
  }

  /** createdAt is seconds since the epoch (the server's float), or an ISO string. */
  function dateTime(value) {
    if (value === null || value === undefined || value === "") return "";
    var date = typeof value === "number" ? new Date(value * 1000) : new Date(value);
    return isNaN(date.getTime()) ? String(value) : dateFormat.format(date);
  }

  function bytes(n) {
    n = Number(n) || 0;
    var units = ["B", "KB", "MB", "GB"];
    var i = 0;
    while (n >= 1024 && i < units.length - 1) {
      n /= 1024;
      i++;
    }
    var digits = i === 0 || n >= 100 ? 0 : 1;
    return new Intl.NumberFormat(LANG, { maximumFractionDigits: digits }).format(n) + " " + t("size." + units[i]);
  }

  /** Create an element: el("span", "badge", "text"). */
  function el(tag, className, text) {
    var node = global.document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }

  function setText(node, text) {
    text = String(text);
    if (node.textContent !== text) node.textContent = text;
  }

  // Same-origin JSON request: resolves with the body, rejects with the server's message.
  function fetchJson(url, options) {
    var init = Object.assign({ credentials: "same-origin" }, options || {});
    init.headers = Object.assign({ Accept: "application/json" }, init.headers || {});
    return fetch(url, init).then(function (res) {
      return res
        .json()
        .catch(function () {
          return null;
        })
        .then(function (body) {
          if (!res.ok) {
            var message = body && body.error && body.error.message;
            throw new Error(message || "HTTP " + res.status);
          }
          return body || {};
        });
    });
  }

  global.PL = {
    fetchJson: fetchJson,
    lang: LANG,
    t: t,
    applyI18n: applyI18n,
    statusLabel: statusLabel,
    roomLabel: roomLabel,
    roomDisplay: roomDisplay,
    flagLabel: flagLabel,
    photoError: photoError,
    skipReason: skipReason,
    notice: notice,
    clock: clock,
    number: number,
    volume: volume,
    percent: percent,
    decimal: decimal,
    dateTime: dateTime,
    bytes: bytes,
    el: el,
    setText: setText,
    FINAL_STATUSES: ["COMPLETED", "PARTIAL", "FAILED"]
  };
})(window);
