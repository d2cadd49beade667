/*
 * A real MTOM service for the tests: Metro (the JAX-WS reference implementation) published with
 * javax.xml.ws.Endpoint on 127.0.0.1, one endpoint for SOAP 1.1 (/soap11) and one for SOAP 1.2
 * (/soap12), MTOM on for both.
 *
 * The request payload is any element whose children carry binary content, either as an
 * xop:Include (XOP §3, an attachment part) or as base64 text (inline). The service streams each
 * one through SHA-256, never holding an attachment whole, and answers:
 *
 *   <d:Digests xmlns:d="urn:mtom-stream:service" contentLength="the request's, or none when chunked"
 *       action="the SOAP action Metro took from the request, or none">
 *     <d:part name="child's local name" size="bytes" sha256="hex" xop="true|false" type="part's Content-Type"/> …
 *     <d:attachment contentId="…"><d:header name="…" value="…"/> …</d:attachment> …
 *   </d:Digests>
 *
 * The attachments are listed as Metro parsed them (Content-ID, every MIME header), after the
 * payload has been read.
 *
 * It is a Provider<Message> (Metro's own message type) rather than an SEI, so no wrapper beans
 * are generated at run time; Metro's MTOM decoder hands xop:Include to the payload reader as a
 * Base64Data over a streaming DataHandler (mimepull reads the part from the connection).
 *
 * Usage: java MtomDigestService → prints "READY <port>" once both endpoints listen.
 */
import com.sun.net.httpserver.HttpServer;
import com.sun.xml.ws.api.SOAPVersion;
import com.sun.xml.ws.api.message.Attachment;
import com.sun.xml.ws.api.message.AttachmentEx;
import com.sun.xml.ws.api.message.Message;
import com.sun.xml.ws.api.message.Messages;
import java.io.InputStream;
import java.io.StringReader;
import java.net.InetSocketAddress;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import javax.activation.DataHandler;
import javax.annotation.Resource;
import javax.xml.stream.XMLStreamConstants;
import javax.xml.stream.XMLStreamReader;
import javax.xml.transform.stream.StreamSource;
import javax.xml.ws.BindingProvider;
import javax.xml.ws.Endpoint;
import javax.xml.ws.Provider;
import javax.xml.ws.Service;
import javax.xml.ws.ServiceMode;
import javax.xml.ws.WebServiceContext;
import javax.xml.ws.WebServiceProvider;
import javax.xml.ws.handler.MessageContext;
import javax.xml.ws.soap.MTOMFeature;
import javax.xml.ws.soap.SOAPBinding;
import org.jvnet.staxex.Base64Data;
import org.jvnet.staxex.StreamingDataHandler;
import org.jvnet.staxex.XMLStreamReaderEx;

@WebServiceProvider(serviceName = "MtomDigestService", portName = "MtomDigestPort", targetNamespace = MtomDigestService.NS)
@ServiceMode(Service.Mode.MESSAGE)
public class MtomDigestService implements Provider<Message> {
  static final String NS = "urn:mtom-stream:service";

  private final SOAPVersion version;

  @Resource
  private WebServiceContext context;

  MtomDigestService(SOAPVersion version) {
    this.version = version;
  }

  @Override
  public Message invoke(Message request) {
    try {
      StringBuilder answer = new StringBuilder("<d:Digests xmlns:d=\"" + NS + "\" contentLength=\"" + contentLength()
          + "\" action=\"" + escape(action()) + "\">");
      XMLStreamReader reader = request.readPayload();
      // The payload element itself, then one binary child after another.
      while (reader.getEventType() != XMLStreamConstants.START_ELEMENT) reader.next();
      int depth = 0;
      String name = null;
      while (reader.hasNext()) {
        int event = reader.next();
        if (event == XMLStreamConstants.START_ELEMENT) {
          depth++;
          if (depth == 1) {
            name = reader.getLocalName();
            answer.append(digestOf(reader, name));
            depth--;
          }
        } else if (event == XMLStreamConstants.END_ELEMENT) {
          if (depth == 0) break;
          depth--;
        }
      }
      answer.append(attachments(request));
      answer.append("</d:Digests>");
      return Messages.createUsingPayload(new StreamSource(new StringReader(answer.toString())), version);
    } catch (RuntimeException e) {
      throw e;
    } catch (Exception e) {
      throw new RuntimeException(e);
    }
  }

  /** The request's Content-Length header as received, or "none" (a chunked request). */
  @SuppressWarnings("unchecked")
  private String contentLength() {
    Map<String, List<String>> headers = (Map<String, List<String>>) context.getMessageContext().get(MessageContext.HTTP_REQUEST_HEADERS);
    for (Map.Entry<String, List<String>> header : headers.entrySet()) {
      if ("Content-Length".equalsIgnoreCase(header.getKey())) return header.getValue().get(0);
    }
    return "none";
  }

  /** The SOAP action Metro took from the request (SOAPAction, or the Content-Type's action), or "none". */
  private String action() {
    Object action = context.getMessageContext().get(BindingProvider.SOAPACTION_URI_PROPERTY);
    return action == null || action.toString().isEmpty() ? "none" : action.toString();
  }

  /** Each attachment's Content-ID and MIME headers, as Metro's MIME parser read them. */
  private static String attachments(Message request) {
    StringBuilder list = new StringBuilder();
    for (Attachment attachment : request.getAttachments()) {
      list.append("<d:attachment contentId=\"").append(escape(attachment.getContentId())).append("\">");
      if (attachment instanceof AttachmentEx ex) {
        for (Iterator<AttachmentEx.MimeHeader> headers = ex.getMimeHeaders(); headers.hasNext(); ) {
          AttachmentEx.MimeHeader header = headers.next();
          list.append("<d:header name=\"").append(escape(header.getName()))
              .append("\" value=\"").append(escape(header.getValue())).append("\"/>");
        }
      }
      list.append("</d:attachment>");
    }
    return list.toString();
  }

  /** Reads one binary child to its end tag: an xop:Include part, or base64 text. */
  private static String digestOf(XMLStreamReader reader, String name) throws Exception {
    MessageDigest sha256 = MessageDigest.getInstance("SHA-256");
    long size = 0;
    boolean xop = false;
    String type = "";
    StringBuilder text = new StringBuilder();
    for (int event = reader.next(); event != XMLStreamConstants.END_ELEMENT; event = reader.next()) {
      if (event == XMLStreamConstants.START_ELEMENT) throw new IllegalArgumentException(name + " holds an element, not binary content");
      if (event != XMLStreamConstants.CHARACTERS && event != XMLStreamConstants.CDATA) continue;
      CharSequence pcdata = reader instanceof XMLStreamReaderEx ex ? ex.getPCDATA() : reader.getText();
      // Metro's MTOM reader gives an xop:Include as Base64Data over the part (XOP §3); text stays text.
      if (pcdata instanceof Base64Data data) {
        xop = true;
        type = data.getDataHandler().getContentType();
        size += digestStream(open(data.getDataHandler()), sha256);
      } else {
        text.append(pcdata);
      }
    }
    if (!xop) {
      byte[] bytes = Base64.getMimeDecoder().decode(text.toString().trim());
      sha256.update(bytes);
      size = bytes.length;
    }
    String hex = HexFormat.of().formatHex(sha256.digest());
    return "<d:part name=\"" + name + "\" size=\"" + size + "\" sha256=\"" + hex + "\" xop=\"" + xop + "\" type=\"" + escape(type) + "\"/>";
  }

  private static String escape(String value) {
    return value.replace("&", "&amp;").replace("<", "&lt;").replace("\"", "&quot;");
  }

  private static InputStream open(DataHandler handler) throws Exception {
    // readOnce: mimepull streams the part instead of keeping a copy for later reads.
    return handler instanceof StreamingDataHandler streaming ? streaming.readOnce() : handler.getInputStream();
  }

  private static long digestStream(InputStream in, MessageDigest sha256) throws Exception {
    byte[] buffer = new byte[64 * 1024];
    long size = 0;
    try (in) {
      for (int n; (n = in.read(buffer)) > 0; size += n) sha256.update(buffer, 0, n);
    }
    return size;
  }

  public static void main(String[] args) throws Exception {
    HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 16);
    server.setExecutor(Executors.newCachedThreadPool());
    publish(server, "/soap11", SOAPBinding.SOAP11HTTP_MTOM_BINDING, SOAPVersion.SOAP_11);
    publish(server, "/soap12", SOAPBinding.SOAP12HTTP_MTOM_BINDING, SOAPVersion.SOAP_12);
    server.start();
    System.out.println("READY " + server.getAddress().getPort());
    System.out.flush();
  }

  private static void publish(HttpServer server, String path, String binding, SOAPVersion version) {
    Endpoint endpoint = Endpoint.create(binding, new MtomDigestService(version), new MTOMFeature(true));
    endpoint.publish(server.createContext(path));
  }
}
