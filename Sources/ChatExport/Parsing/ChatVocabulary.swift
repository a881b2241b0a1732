import Foundation
import WhatsAppArchiver

/// The words WhatsApp writes into an export for what is not plain text, in English, German, Spanish, French,
/// Portuguese, Italian and Dutch: media attached and omitted, deleted and edited messages, and the encryption
/// notice. Matching is on the whole (trimmed) line, so a message that merely mentions the words stays text.
enum ChatVocabulary {
    /// Android's placeholder for media left out of an export without media.
    static let mediaOmitted: Set<String> = [
        "<Media omitted>", "<Medien ausgeschlossen>", "<Multimedia omitido>", "<Multimedia omitidos>",
        "<Médias omis>", "<Fichier omis>", "<Arquivo de mídia oculto>", "<Mídia oculta>", "<Multimédia omitido>",
        "<Media omessi>", "<Media weggelaten>",
    ]

    /// iOS's placeholders, one per media kind.
    static let mediaOmittedByKind: [String: Attachment.Kind] = [
        "image omitted": .image, "video omitted": .video, "audio omitted": .audio, "sticker omitted": .sticker,
        "GIF omitted": .video, "document omitted": .document, "Contact card omitted": .contact,
        "Bild weggelassen": .image, "Video weggelassen": .video, "Audio weggelassen": .audio,
        "Sticker weggelassen": .sticker, "GIF weggelassen": .video, "Dokument weggelassen": .document,
        "Kontaktkarte weggelassen": .contact,
        "imagen omitida": .image, "video omitido": .video, "audio omitido": .audio, "sticker omitido": .sticker,
        "GIF omitido": .video, "documento omitido": .document, "tarjeta de contacto omitida": .contact,
        "image absente": .image, "vidéo absente": .video, "audio omis": .audio, "autocollant omis": .sticker,
        "GIF retiré": .video, "document omis": .document, "fiche contact omise": .contact,
        "imagem ocultada": .image, "vídeo omitido": .video, "áudio ocultado": .audio,
        "figurinha omitida": .sticker, "GIF omitido.": .video, "documento ocultado": .document,
        "cartão de contato omitido": .contact,
        "immagine omessa": .image, "video omesso": .video, "audio omesso": .audio, "sticker omesso": .sticker,
        "GIF omessa": .video, "documento omesso": .document, "scheda contatto omessa": .contact,
        "afbeelding weggelaten": .image, "video weggelaten": .video, "audio weggelaten": .audio,
        "sticker weggelaten": .sticker, "GIF weggelaten": .video, "document weggelaten": .document,
        "contactkaart weggelaten": .contact,
    ]

    /// The byte lengths of every whole-line marker (omitted, deleted, poll heads): a first line of another length
    /// is none of them, and no set needs to hash it.
    static let markerLengths: Set<Int> = Set(wholeLineMarkers.map(\.utf8.count))

    /// ``markerLengths`` as a table by length: the pre-filter asks it for most messages, and a `Set` hashed each
    /// length.
    static let isMarkerLength: [Bool] = {
        var table = [Bool](repeating: false, count: (markerLengths.max() ?? 0) + 1)
        for length in markerLengths { table[length] = true }
        return table
    }()

    /// The whole-line markers a line of printable ASCII can be equal to, as that line's bytes, by byte length.
    ///
    /// `String` equality is canonical equivalence, and an ASCII string is its own canonical decomposition, so such
    /// a line equals a marker exactly when it has the bytes of the marker's decomposition (`Se eliminó` can equal
    /// no ASCII line; a marker written with U+212A KELVIN SIGN would equal one with `K`). Comparing bytes lets
    /// `ChatMessageContent.classify` rule out most plain messages without making a string or hashing one.
    static let asciiMarkersByLength: [[[UInt8]]] = {
        var table: [[[UInt8]]] = []
        for marker in wholeLineMarkers {
            let bytes = Array(marker.decomposedStringWithCanonicalMapping.utf8)
            guard bytes.allSatisfy({ $0 >= 0x20 && $0 <= 0x7E }) else { continue }
            while table.count <= bytes.count { table.append([]) }
            table[bytes.count].append(bytes)
        }
        return table
    }()

    /// Every marker that is matched against a whole (trimmed) first line.
    private static var wholeLineMarkers: [String] {
        Array(mediaOmitted) + Array(mediaOmittedByKind.keys) + Array(deleted) + Array(pollHeads)
    }

    /// Android's suffix after an attached file's name: `IMG-20240115-WA0001.jpg (file attached)`.
    static let attachedSuffixes: [String] = [
        " (file attached)", " (Datei angehängt)", " (archivo adjunto)", " (fichier joint)", " (arquivo anexado)",
        " (ficheiro anexado)", " (file allegato)", " (bestand bijgevoegd)",
    ]

    /// iOS's wrapper around an attached file's name: `<attached: 00000042-PHOTO-2024-01-15-10-00-00.jpg>`.
    static let attachedPrefixes: [String] = [
        "<attached: ", "<Anhang: ", "<adjunto: ", "<pièce jointe : ", "<pièce jointe: ", "<anexado: ",
        "<allegato: ", "<bijgevoegd: ",
    ]

    /// A message deleted for everyone, as the export shows it instead of the text.
    static let deleted: Set<String> = [
        "This message was deleted", "This message was deleted.", "You deleted this message",
        "You deleted this message.", "Diese Nachricht wurde gelöscht.", "Diese Nachricht wurde gelöscht",
        "Du hast diese Nachricht gelöscht.", "Du hast diese Nachricht gelöscht", "Se eliminó este mensaje.",
        "Este mensaje fue eliminado", "Eliminaste este mensaje.", "Ce message a été supprimé",
        "Ce message a été supprimé.", "Vous avez supprimé ce message", "Vous avez supprimé ce message.",
        "Mensagem apagada", "Esta mensagem foi apagada", "Você apagou esta mensagem", "Apagou esta mensagem",
        "Questo messaggio è stato eliminato", "Hai eliminato questo messaggio", "Dit bericht is verwijderd",
        "Je hebt dit bericht verwijderd", "Dit bericht is verwijderd.",
    ]

    /// The mark the export appends to an edited message's (new) text.
    static let editedMarks: [String] = [
        "<This message was edited>", "<Diese Nachricht wurde bearbeitet>", "<Se editó este mensaje.>",
        "<Ce message a été modifié>", "<Mensagem editada>", "<Questo messaggio è stato modificato>",
        "<Dit bericht is bewerkt>",
    ]

    /// The start of the end-to-end encryption notice at the top of every export.
    static let encryptionNoticePrefixes: [String] = [
        "Messages and calls are end-to-end encrypted", "Messages to this group are now secured",
        "Messages you send to this chat and calls are now secured",
        "Nachrichten und Anrufe sind Ende-zu-Ende-verschlüsselt",
        "Los mensajes y las llamadas están cifrados de extremo a extremo",
        "Les messages et les appels sont chiffrés de bout en bout",
        "As mensagens e as chamadas são protegidas com a criptografia de ponta a ponta",
        "Le chiamate e i messaggi sono crittografati end-to-end",
        "Berichten en gesprekken worden end-to-end versleuteld",
    ]

    /// The words for the exporting owner in system lines (`You added Bob`).
    static let ownerWords: Set<String> = ["You", "you", "Du", "Tú", "Vous", "Você", "Tu", "Jij", "Je"]

    /// The first line of a poll.
    static let pollHeads: Set<String> = [
        "POLL:", "UMFRAGE:", "ENCUESTA:", "SONDAGE :", "SONDAGE:", "ENQUETE:", "SONDAGGIO:", "PEILING:",
    ]

    /// The prefix of a shared location.
    static let locationPrefixes: [String] = [
        "location: ", "Location: ", "Standort: ", "ubicación: ", "Ubicación: ", "position : ", "localização: ",
        "Localização: ", "posizione: ", "Posizione: ", "locatie: ", "Locatie: ",
    ]
}
