import WhatsAppArchiver

extension TeleMessageSource {
    /// A source over a saved export (the directory binding).
    ///
    /// - Throws: ``ArchiverError/Code/invalidConfiguration`` when `exportDirectory` holds no `items.jsonl`.
    public convenience init(exportDirectory: String, configuration: Configuration = Configuration()) throws {
        self.init(
            transport: try ExportDirectoryTransport(
                directory: exportDirectory,
                decoderConfiguration: configuration.decoder
            ),
            configuration: configuration
        )
    }

    /// A source over a live account (the HTTP binding).
    ///
    /// - Throws: ``ArchiverError/Code/invalidConfiguration`` when the URL is not `https` (or `http` to a loopback
    ///   address).
    public convenience init(
        http: HTTPTransport.Configuration,
        credentials: TeleMessageCredentials,
        configuration: Configuration = Configuration()
    ) throws {
        var http = http
        http.decoder = configuration.decoder
        self.init(
            transport: try HTTPTransport(configuration: http, credentials: credentials),
            configuration: configuration
        )
    }
}
