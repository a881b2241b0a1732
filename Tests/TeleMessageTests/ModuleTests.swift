import TeleMessage
import Testing

@Test func exportFormatVersionIsDeclared() {
    #expect(TeleMessage.exportFormatVersion == "1")
}
